"""What ``python -m actloss`` runs and ``import actloss`` never loads: the self-check, the
benchmark's case table and command, and the pipeline benchmark."""
