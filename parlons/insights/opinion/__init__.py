"""Pure opinion-map math (no Django import): Pol.is-style PCA, opinion groups, representativeness, consensus."""
