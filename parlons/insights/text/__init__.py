"""Pure text analysis (no Django import): topics, tone, duplicates, weak signals, suggestions."""
