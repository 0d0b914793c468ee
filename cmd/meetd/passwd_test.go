package main

import (
	"bytes"
	"strings"
	"testing"

	"meetd/conf"
)

func TestPasswd(t *testing.T) {
	var out, errb bytes.Buffer
	if code := runPasswd([]string{"-iterations", "4096", "-moderator", "alice@localhost"}, strings.NewReader("s3cret\n"), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if strings.Contains(out.String(), "s3cret") {
		t.Fatal("password printed")
	}
	c, err := conf.Parse(out.Bytes())
	if err != nil {
		t.Fatalf("printed entry is not valid config: %v\n%s", err, out.String())
	}
	if len(c.Auth.Accounts) != 1 || !c.Auth.Accounts[0].Moderator {
		t.Fatalf("accounts %+v", c.Auth.Accounts)
	}
	if _, err := xmppAuth(c.Auth); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{}, {"alice"}, {"-iterations", "5", "a@localhost"}} {
		if code := runPasswd(args, strings.NewReader("x\n"), &out, &errb); code != 2 {
			t.Errorf("%v: exit %d", args, code)
		}
	}
	if code := runPasswd([]string{"a@localhost"}, strings.NewReader(""), &out, &errb); code != 2 {
		t.Errorf("empty password: exit %d", code)
	}
}
