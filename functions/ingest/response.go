package main

import (
	"encoding/json"

	"github.com/stockholm/insyn/internal/ingest"
	"github.com/stockholm/insyn/internal/upload"
)

// maxResponseReports bounds what the reports in a Lambda response take
// (Lambda refuses responses above 6 MB): beyond it each report keeps its
// first problem and its counts; the whole reports are under rejected/.
const maxResponseReports = 1 << 20

// response is the run's result as the function returns it.
func response(res ingest.Result) ingest.Result {
	if b, err := json.Marshal(res.Rejected); err == nil && len(b) <= maxResponseReports {
		return res
	}
	short := make([]*upload.Report, len(res.Rejected))
	for i, r := range res.Rejected {
		c := *r
		if len(c.Problems) > 1 {
			c.More += len(c.Problems) - 1
			c.Problems = c.Problems[:1]
		}
		short[i] = &c
	}
	res.Rejected = short
	return res
}
