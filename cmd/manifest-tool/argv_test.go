package main

import (
	"strings"
	"testing"
)

func TestInterspersed(t *testing.T) {
	t.Parallel()
	app := newApp(&environment{})
	tests := []struct{ in, want string }{
		{"push from-spec f.yaml", "push from-spec f.yaml"},
		{"push from-spec f.yaml --ignore-missing", "push from-spec --ignore-missing f.yaml"},
		{"push from-spec f.yaml --type oci --debug", "--debug push --type oci from-spec f.yaml"},
		{"push from-spec --type=oci f.yaml --insecure", "--insecure push --type=oci from-spec f.yaml"},
		{"--debug push --type oci from-spec - --docker-cfg /d", "--debug --docker-cfg /d push --type oci from-spec -"},
		{"push from-args --target r/a:1 --platforms linux/amd64 --plain-http --template r/a:ARCH",
			"--plain-http push from-args --target r/a:1 --platforms linux/amd64 --template r/a:ARCH"},
		{"push from-spec f.yaml --unknown", "push from-spec --unknown f.yaml"},
		{"push from-spec f.yaml --help", "push from-spec --help"},
		{"push from-spec -- -odd.yaml", "push from-spec -- -odd.yaml"},
		{"push from-spec f.yaml push", "push from-spec f.yaml push"},
		{"help push", "help push"},
		{"push --version", "--version push"},
		{"push from-spec f.yaml --referrers=required", "push --referrers=required from-spec f.yaml"},
		{"edit r/a:1 --referrers --add r/b:1", "edit --referrers --add r/b:1 r/a:1"},
		{"--type oci push from-spec f.yaml", "push --type oci from-spec f.yaml"},
		{"push from-spec f.yaml --referrers", "push --referrers from-spec f.yaml"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := interspersed(app, append([]string{"manifest-tool"}, strings.Fields(tc.in)...))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got[1:], " ") != tc.want {
				t.Errorf("got %q\nwant %q", strings.Join(got[1:], " "), tc.want)
			}
		})
	}
}
