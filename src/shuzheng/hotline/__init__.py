"""12345 hotline (接诉即办): requests, classification, routing, deadlines, callbacks and hotspots."""
