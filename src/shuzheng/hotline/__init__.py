"""12345 hotline (接诉即办): requests from every channel, routing, deadlines, callbacks, hotspots."""
