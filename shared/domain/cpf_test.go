package domain

import "testing"

func TestCPF(t *testing.T) {
	valid := []string{"73689290074", "736.892.900-74", "529.982.247-25", "11144477735"}
	for _, c := range valid {
		d := NormalizeCPF(c)
		if d == "" || !ValidCPF(d) {
			t.Errorf("%s should be valid", c)
		}
	}
	invalid := []string{"73689290075", "11111111111", "1234567890", "123456789012", "7368929007a", "736/892/900-74", ""}
	for _, c := range invalid {
		if d := NormalizeCPF(c); d != "" && ValidCPF(d) {
			t.Errorf("%s should be invalid", c)
		}
	}
	if got := MaskCPF("73689290074"); got != "***.***.***-74" {
		t.Errorf("mask: %s", got)
	}
	a, b := HashCPF([]byte("k1"), "73689290074"), HashCPF([]byte("k2"), "73689290074")
	if a == b || len(a) != 64 || a == HashCPF([]byte("k1"), "52998224725") {
		t.Error("hash must be keyed and distinguish CPFs")
	}
}
