package server

// SectionsSent is how many READ_ANDX replies carried their data with
// sendfile(2) since the process started.
func SectionsSent() int64 { return sectionsSent.Load() }
