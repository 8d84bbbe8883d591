"""Rules on print jobs: conditions (structured and CEL), actions, evaluation, dry run."""
