package xmpp

import "testing"

func TestCheckPassword(t *testing.T) {
	h, err := HashPassword("correct horse", minHashIterations)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		hash, pw string
		want     bool
	}{
		{h, "correct horse", true},
		{h, "correct horse ", false},
		{h, "", false},
		{"pbkdf2:1:x:y:z", "correct horse", false},
		{"", "", false},
	} {
		if got := CheckPassword(tt.hash, tt.pw); got != tt.want {
			t.Errorf("CheckPassword(%.20q, %q) = %v", tt.hash, tt.pw, got)
		}
	}
}
