package integration

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/manifest-tool/manifest-tool/integration/internal/regtest"
)

func TestScratchProbe(t *testing.T) {
	r := regtest.New(t, regtest.Options{NoDelete: true})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, binary, "--plain-http", "--debug", "probe", r.Host).CombinedOutput()
	t.Log(string(out))
}
