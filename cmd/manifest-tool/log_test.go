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

// A log line quoting what a registry said is one line, with no control
// character in it: the text formatter escapes the message and the fields,
// the JSON formatter leaves JSON's escapes and adds \u escapes for what
// JSON leaves as it is; the JSON record decodes to the words said.
func TestLogLinesEscaped(t *testing.T) {
	t.Parallel()
	const said = "denied\x1b[2J\x07\r\nDigest: sha256:abab 1\u009b\u2028\u202e\x7f"
	for _, tc := range []struct {
		f    logrus.Formatter
		want string
	}{
		{&textFormatter{}, `error: registry says denied\x1b[2J\x07\r\nDigest: sha256:abab 1\u009b\u2028\u202e\x7f detail=also denied\x1b[2J\x07\r\nDigest: sha256:abab 1\u009b\u2028\u202e\x7f` + "\n"},
		{&jsonFormatter{}, ""},
	} {
		t.Run(fmt.Sprintf("%T", tc.f), func(t *testing.T) {
			var out bytes.Buffer
			log := logrus.New()
			log.SetOutput(&out)
			log.SetFormatter(&scrubbing{Formatter: tc.f, s: &scrubber{}})
			log.WithField("detail", "also "+said).Errorf("registry says %s", said)
			line := out.String()
			if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") {
				t.Fatalf("not one line: %q", line)
			}
			for _, r := range strings.TrimSuffix(line, "\n") {
				if r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f || r == 0x2028 || r == 0x202e {
					t.Errorf("%U written as it is: %q", r, line)
				}
			}
			if tc.want != "" && line != tc.want {
				t.Errorf("line\n %q\nwant\n %q", line, tc.want)
			}
			if tc.want != "" {
				return
			}
			var rec struct{ Msg, Detail string }
			if err := json.Unmarshal(out.Bytes(), &rec); err != nil || rec.Msg != "registry says "+said || rec.Detail != "also "+said {
				t.Errorf("record %q decodes to %+v (%v)", line, rec, err)
			}
		})
	}
}
