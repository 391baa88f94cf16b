package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"

	"example.com/crm/shared/ccaiplayer"
)

// One caller, whatever phone number format the platform is set to and
// whatever format created the account, is one account.
func TestEveryPhoneFormatFindsTheSameAccount(t *testing.T) {
	ctx := context.Background()
	for _, cc := range []string{"1", "44", "33", "81"} {
		for _, createFormat := range ccaiplayer.PhoneFormats {
			t.Run("+"+cc+"/created "+createFormat, func(t *testing.T) {
				number := uniquePhone(t, cc)
				creator := newPlayer(t)
				creator.Settings.PhoneNumberFormat = createFormat
				created := call(t, creator, "create_account", ccaiplayer.Vars{"NAME": "Format Test", "PHONE_NUMBER": number}, 201)
				for _, findFormat := range ccaiplayer.PhoneFormats {
					finder := newPlayer(t)
					finder.Settings.PhoneNumberFormat = findFormat
					res := call(t, finder, "find_account_by_query", ccaiplayer.Vars{"PHONE_NUMBER": number}, 200)
					if res.ID != created.ID {
						t.Errorf("find in %s format (%q): got account %s, want %s", findFormat,
							ccaiplayer.FormatPhone(number, findFormat, true), res.ID, created.ID)
					}
					// The whole flow (find, else create) lands on it too.
					id, err := finder.FindOrCreateAccount(ctx, ccaiplayer.Vars{"NAME": "Format Test", "PHONE_NUMBER": number})
					if err != nil || id != created.ID {
						t.Errorf("flow in %s format: got %s %v, want %s", findFormat, id, err, created.ID)
					}
				}
				a := account(t, creator, created.ID)
				sent := ccaiplayer.FormatPhone(number, createFormat, false)
				if cc != "1" && strings.HasPrefix(createFormat, "us_local") {
					// A national number without its country code cannot
					// be put in E.164: it is kept as sent and found by its
					// digits (above).
					if len(a.Phones) != 0 || !slices.Equal(a.PhonesRaw, []string{sent}) {
						t.Errorf("phones: got %v raw %v, want none and raw [%s]", a.Phones, a.PhonesRaw, sent)
					}
					return
				}
				if !slices.Equal(a.Phones, []string{number}) {
					t.Errorf("phones: got %v, want [%s] once", a.Phones, number)
				}
			})
		}
	}
}

// Creating in every format, one after the other, still leaves one account.
func TestCreateInEveryFormatLeavesOneAccount(t *testing.T) {
	number := uniquePhone(t, "1")
	var first string
	for _, f := range ccaiplayer.PhoneFormats {
		p := newPlayer(t)
		p.Settings.PhoneNumberFormat = f
		res := call(t, p, "create_account", ccaiplayer.Vars{"NAME": "Once", "PHONE_NUMBER": number}, 200, 201)
		if first == "" {
			first = res.ID
		}
		if res.ID != first {
			t.Errorf("create in %s format: got account %s, want %s", f, res.ID, first)
		}
	}
	a := account(t, newPlayer(t), first)
	if len(a.Phones) != 1 || a.Phones[0] != number {
		t.Errorf("phones: got %v, want [%s]", a.Phones, number)
	}
}

// A wildcard pattern of fewer than 7 digits matches nothing.
func TestShortPatternFindsNothing(t *testing.T) {
	p := newPlayer(t)
	call(t, p, "create_account", ccaiplayer.Vars{"NAME": "Short", "PHONE_NUMBER": uniquePhone(t, "1")}, 201)
	req, err := p.NewRequest(context.Background(), "find_account_by_query", nil)
	if err != nil {
		t.Fatal(err)
	}
	q := req.URL.Query()
	q.Set("phone", "*333*44")
	req.URL.RawQuery = q.Encode()
	resp, err := p.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("got %d, want 404", resp.StatusCode)
	}
}
