package e2e

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"net/http"
	"testing"

	"example.com/crm/shared/ccai"
	"example.com/crm/shared/ccaiplayer"
	"example.com/crm/shared/localstack"
	"example.com/crm/shared/portal"
	"example.com/crm/shared/testenv"
)

// uniquePhone returns a fresh E.164 number in country cc ("1", "44", ...)
// so that tests sharing the emulator project do not see each other.
func uniquePhone(t *testing.T, cc string) string {
	t.Helper()
	n, err := rand.Int(rand.Reader, big.NewInt(9_000_000))
	if err != nil {
		t.Fatal(err)
	}
	switch cc {
	case "1":
		return fmt.Sprintf("+1202%07d", 1_000_000+n.Int64()%8_999_999)
	case "44":
		return fmt.Sprintf("+4420%08d", 10_000_000+n.Int64())
	case "33":
		return fmt.Sprintf("+331%08d", 10_000_000+n.Int64())
	case "81":
		return fmt.Sprintf("+813%08d", 10_000_000+n.Int64())
	}
	t.Fatalf("no number plan for +%s", cc)
	return ""
}

func uniqueID(t *testing.T) string {
	t.Helper()
	n, err := rand.Int(rand.Reader, big.NewInt(1<<40))
	if err != nil {
		t.Fatal(err)
	}
	return n.String()
}

// call makes one endpoint call and fails the test on a transport error or
// on a status other than want.
func call(t *testing.T, p *ccaiplayer.Player, name string, vars ccaiplayer.Vars, want ...int) ccaiplayer.Result {
	t.Helper()
	res, err := p.Call(context.Background(), name, vars)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for _, w := range want {
		if res.Status == w {
			return res
		}
	}
	t.Fatalf("%s: got %d %s, want %v", name, res.Status, res.Body, want)
	return res
}

func account(t *testing.T, p *ccaiplayer.Player, id string) ccai.AccountDetailJSON {
	t.Helper()
	var a ccai.AccountDetailJSON
	status, err := p.Get(context.Background(), p.AccountURL(id), &a)
	if err != nil || status != http.StatusOK {
		t.Fatalf("read account %s: %d %v", id, status, err)
	}
	return a
}

func record(t *testing.T, p *ccaiplayer.Player, id string) ccai.RecordDetailJSON {
	t.Helper()
	var r ccai.RecordDetailJSON
	status, err := p.Get(context.Background(), p.RecordURL(id), &r)
	if err != nil || status != http.StatusOK {
		t.Fatalf("read record %s: %d %v", id, status, err)
	}
	return r
}

// startStack starts a deployment of the test's own (a fresh limiter, its
// own settings) on the emulators, stopped when the test ends: o gives what
// differs (the method, keys, environment); the emulators, folder, project
// and log (logWriter, unless o.Log is set) are filled in. It returns the
// stack and the portal settings file it wrote.
func startStack(t *testing.T, o localstack.Options) (*localstack.Stack, portal.Settings) {
	t.Helper()
	emu := testenv.All(t)
	o.Dir, o.Project = t.TempDir(), testenv.Project()
	o.FirestoreHost, o.PubSubHost, o.GCSHost, o.GCSEvents = emu.Firestore, emu.PubSub, emu.GCS, emu.GCSEvents
	if o.Log == nil {
		o.Log = logWriter(o.Dir)
	}
	s, err := localstack.Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	settings, err := portal.Read(s.SettingsPath)
	if err != nil {
		t.Fatal(err)
	}
	return s, settings
}
