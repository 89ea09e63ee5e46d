"""What the package exchanges outside the process: documents (strict structuring, client
files, JSON codecs, whole-file writes) and the pipes to its worker processes."""
