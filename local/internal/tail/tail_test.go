package tail

import "testing"

func TestKeepsTheEnd(t *testing.T) {
	b := New(5)
	_, _ = b.Write([]byte("abc"))
	_, _ = b.Write([]byte("defg"))
	if b.String() != "cdefg" {
		t.Fatalf("%q", b.String())
	}
}
