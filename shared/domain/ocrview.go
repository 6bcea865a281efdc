package domain

import (
	"encoding/json"
	"strconv"

	"github.com/unicogw/gateway/shared/unico"
)

// normalizeOCR gives app backends one shape for OCR data whatever Unico's example of the day:
// keys in camelCase, every value a string (Unico sends rgNumero, cpfNumero and numero as numbers
// or strings), dates as the text Unico sent (an impossible date such as 2025-10-35 is kept, not
// dropped), and keys Unico did not document passed on as they came, numbers as strings. Content
// that is not an object is passed on verbatim.
func normalizeOCR(o unico.OCRData) unico.OCRData {
	n := o
	n.Raw = nil
	switch {
	case o.CNH != nil:
		c := *o.CNH
		c.Extra = stringifyMap(c.Extra)
		n.CNH = &c
	case o.RG != nil:
		c := *o.RG
		c.Extra = stringifyMap(c.Extra)
		n.RG = &c
	case o.CIN != nil:
		c := *o.CIN
		c.Extra = stringifyMap(c.Extra)
		n.CIN = &c
	case o.Passport != nil:
		c := *o.Passport
		c.Extra = stringifyMap(c.Extra)
		n.Passport = &c
	case o.Unknown != nil:
		c := *o.Unknown
		c.Extra = stringifyMap(c.Extra)
		n.Unknown = &c
	default:
		return o
	}
	return n
}

func stringifyMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = stringify(v)
	}
	return out
}

func stringify(v any) any {
	switch x := v.(type) {
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case map[string]any:
		return stringifyMap(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = stringify(e)
		}
		return out
	}
	return v
}
