"""Reading and writing documents: strict structuring, client files, JSON codecs, whole-file writes."""
