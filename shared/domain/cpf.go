package domain

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"

	"github.com/unicogw/gateway/shared/unico"
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

// ValidCPF checks the two check digits of an 11-digit CPF (and rejects the all-equal
// sequences that pass the arithmetic but are never issued).
func ValidCPF(digits string) bool { return unico.ValidCPF(digits) }

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
