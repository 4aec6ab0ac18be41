package social

import "github.com/gatehouse/gatehouse/internal/id"

// newID is a variable so tests can choose IDs.
var newID = id.New
