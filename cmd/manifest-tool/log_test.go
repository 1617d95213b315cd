package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
)

func TestRunJSONLogs(t *testing.T) {
	code, _, stderr := runCLI("--log-format", "json", "push", "from-spec", "/nonexistent.yaml")
	if code != exitBadInput {
		t.Errorf("exit %d", code)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(stderr), &rec); err != nil {
		t.Fatalf("stderr is not one JSON record: %q", stderr)
	}
	if rec["level"] != "error" || rec["msg"] != "/nonexistent.yaml: cannot read the spec: no such file or directory" {
		t.Errorf("record %v", rec)
	}
}

// The last line of defence: every log line, text or JSON, is scrubbed of
// the run's secrets, escaped or not; a short one where it stands alone,
// not inside ordinary words.
func TestScrubbing(t *testing.T) {
	t.Parallel()
	const secret = `p&ss<wd>"x-Secret`
	s := &scrubber{}
	s.add(secret, "ab")
	for _, f := range []logrus.Formatter{&textFormatter{}, &logrus.JSONFormatter{}} {
		t.Run(fmt.Sprintf("%T", f), func(t *testing.T) {
			var out bytes.Buffer
			log := logrus.New()
			log.SetOutput(&out)
			log.SetFormatter(&scrubbing{Formatter: f, s: s})
			log.WithField("detail", "said "+secret+" and ab").Errorf("registry answered %s about a table", secret)
			got := out.String()
			if strings.Contains(got, "Secret") || strings.Contains(got, "and ab") || !strings.Contains(got, "said *** and ***") || !strings.Contains(got, "about a table") {
				t.Errorf("%T: %s", f, got)
			}
		})
	}
}
