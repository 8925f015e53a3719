"""Infrastructure as data: infra/topology.yaml -> checked model -> ordered, idempotent gcloud steps.

topology (model) <- loader (YAML, placeholders) <- consistency (cross-checks, drift from the code);
grants (every IAM binding as data); gcloud + deploy_command (command lines); planner (ordered
sections); shell (render as a bash script); apply_gcloud / apply_emulator (run it); staging + pins
(self-contained function sources for `gcloud functions deploy --source`).
Nothing here runs inside a deployed function.
"""
