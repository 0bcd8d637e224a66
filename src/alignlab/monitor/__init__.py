"""Monitoring: a metrics store, thresholds that read intervals, and retraining triggers."""
