"""Training data and training of the models in models/ (the verdict classifier)."""
