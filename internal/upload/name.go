package upload

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameBytes bounds an upload's key (S3's own limit is 1 024 bytes).
const MaxNameBytes = 1024

// reportSuffixes end the names of reports (see internal/ingest); an upload
// with such a name could take a report's place, so none is accepted.
var reportSuffixes = []string{".report.txt", ".report.json"}

// CheckName reports whether key is allowed as an upload's name
// (schema/uploads.md, "Names"): at most MaxNameBytes of UTF-8, segments
// separated by "/" that are not empty, "." or "..", and do not start with
// a dot (hidden files, and names reserved for the ingest's own use); no
// backslash, no control or invisible formatting character (line breaks,
// bidirectional overrides, zero-width spaces); not ending like a report.
// Such a name means the same on a disk as in S3 and prints as it reads.
func CheckName(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("the name is empty")
	case len(key) > MaxNameBytes:
		return fmt.Errorf("the name has %d bytes; the limit is %d", len(key), MaxNameBytes)
	case !utf8.ValidString(key):
		return fmt.Errorf("the name is not valid UTF-8")
	case strings.Contains(key, `\`):
		return fmt.Errorf(`the name holds a backslash (\); folders are separated by /`)
	}
	for _, r := range key {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' {
			return fmt.Errorf("the name holds the invisible character %U", r)
		}
	}
	for _, seg := range strings.Split(key, "/") {
		switch {
		case seg == "":
			return fmt.Errorf("the name has an empty folder (// or a / at an end)")
		case strings.HasPrefix(seg, "."):
			return fmt.Errorf("the name has a part starting with a dot (%q): hidden files and . or .. are not uploads", seg)
		case strings.TrimSpace(seg) != seg:
			return fmt.Errorf("the name has a part that starts or ends with a space (%q)", seg)
		}
	}
	lower := strings.ToLower(key)
	for _, s := range reportSuffixes {
		if strings.HasSuffix(lower, s) {
			return fmt.Errorf("the name ends in %s, as the reports of rejected uploads do", s)
		}
	}
	return nil
}
