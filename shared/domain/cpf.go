package domain

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// NormalizeCPF strips the usual formatting (dots, dash, spaces) and returns the 11 digits, or ""
// when the input is not 11 digits after stripping.
func NormalizeCPF(s string) string {
	var b [11]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if n == 11 {
				return ""
			}
			b[n] = c
			n++
		case c == '.' || c == '-' || c == ' ':
		default:
			return ""
		}
	}
	if n != 11 {
		return ""
	}
	return string(b[:])
}

// ValidCPF checks the two check digits of an 11-digit CPF and rejects the all-equal sequences
// that pass the arithmetic but are never issued.
func ValidCPF(digits string) bool {
	if len(digits) != 11 {
		return false
	}
	same := true
	for i := 0; i < 11; i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return false
		}
		if digits[i] != digits[0] {
			same = false
		}
	}
	if same {
		return false
	}
	check := func(n int) byte {
		sum := 0
		for i := 0; i < n; i++ {
			sum += int(digits[i]-'0') * (n + 1 - i)
		}
		r := sum * 10 % 11
		if r == 10 {
			r = 0
		}
		return byte('0' + r)
	}
	return check(9) == digits[9] && check(10) == digits[10]
}

// MaskCPF shows only the two check digits: ***.***.***-NN.
func MaskCPF(digits string) string {
	if len(digits) != 11 {
		return ""
	}
	return "***.***.***-" + digits[9:]
}

// HashCPF is the keyed hash under which a CPF may be looked up without storing it.
func HashCPF(key []byte, digits string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(digits))
	return hex.EncodeToString(m.Sum(nil))
}
