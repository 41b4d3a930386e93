"""Identity providers of the candidate lane, registered into accepted slices at run time."""
