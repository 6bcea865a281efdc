package unicosim

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
	"sync"
)

// sign is an HMAC of msg under the simulator's secret (URL-safe base64).
func (s *Simulator) sign(msg string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Simulator) validSig(msg, sig string) bool {
	return hmac.Equal([]byte(s.sign(msg)), []byte(sig))
}

var (
	jpegOnce            sync.Once
	jpegPlain, jpegMark []byte
)

// selfieJPEG is a small valid JPEG "face"; the watermarked one has a diagonal band, the raw one not.
func selfieJPEG(watermark bool) []byte {
	jpegOnce.Do(func() {
		jpegPlain = drawFace(false)
		jpegMark = drawFace(true)
	})
	if watermark {
		return jpegMark
	}
	return jpegPlain
}

func drawFace(mark bool) []byte {
	const w, h = 48, 64
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{200, 220, 235, 255} // background
			dx, dy := float64(x-w/2), float64(y-h/2+4)
			if dx*dx/(16*16)+dy*dy/(21*21) <= 1 {
				c = color.RGBA{224, 172, 140, 255} // face
			}
			if (y == 24 || y == 25) && (x == 17 || x == 18 || x == 29 || x == 30) {
				c = color.RGBA{40, 30, 30, 255} // eyes
			}
			if y == 40 && x >= 19 && x <= 28 {
				c = color.RGBA{150, 60, 60, 255} // mouth
			}
			if mark && (x+y)%24 < 2 {
				c = color.RGBA{255, 255, 255, 255} // watermark
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// buildPDF writes a minimal valid one-page PDF 1.4 showing lines of ASCII text.
func buildPDF(lines []string) []byte {
	var content strings.Builder
	content.WriteString("BT\n/F1 11 Tf\n14 TL\n50 760 Td\n")
	for _, l := range lines {
		content.WriteString("(" + pdfEscape(l) + ") Tj T*\n")
	}
	content.WriteString("ET\n")
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()),
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

func pdfEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 32 || r > 126:
			b.WriteByte('?')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ---- documents (by Client) ----

// reusableDoc is a document GET /documents/v1 can list for a CPF.
type reusableDoc struct {
	Type string // BR_RG, BR_CNH, BR_CIN, BR_PASSPORT
	ID   string
}

// documentTypeNames maps the query type to the documentType of the answer.
var documentTypeNames = map[string]string{
	"BR_RG":       "unico.moja.dictionary.br.rg.v2.Rg",
	"BR_CNH":      "unico.moja.dictionary.br.cnh.v2.Cnh",
	"BR_CIN":      "unico.moja.dictionary.br.cin.v1.Cin",
	"BR_PASSPORT": "unico.moja.dictionary.br.passaporte.v1.Passaporte",
}

// GUESS: the values of document.type in a by-Client document process are not documented.
var documentTypeCodes = map[string]string{"BR_RG": "RG", "BR_CNH": "CNH", "BR_CIN": "CIN", "BR_PASSPORT": "PASSPORT"}

// documentContent is the OCR "content" of each document type, verbatim from seed 001.
var documentContent = map[string]json.RawMessage{
	"BR_CNH": json.RawMessage(`{"numero":"044589731564","rgNumero":"123456789 SESP PR","nomeCivil":"Homer Simpson",` +
		`"filiacao":["Monasimpson","Monasimpson"],"dataNascimento":"1990-05-12T00:00:00Z","dataHabilitacao":"1997-11-18T00:00:00Z",` +
		`"dataExpiracao":"2017-12-07T00:00:00Z","dataEmissao":"2012-12-07T00:00:00Z","localEmissao":"Curitiba PR","categoria":"B",` +
		`"renachNumero":"PR904987581"}`),
	"BR_RG": json.RawMessage(`{"dataEmissao":"2012-12-21T02:00:00Z","dataNascimento":"1980-12-19T03:00:00Z",` +
		`"filiacao":["Rosa Coelho Da Costa","Edivaldo Da Costa","Rosa Coelho Da Costa","Edivaldo Da Costa"],` +
		`"naturalidade":"Sao Paulo SP","nomeCivil":"Daniel Coelho Da Costa","numero":"4815162342",` +
		`"orgaoEmissor":"Secretaria Da Segurança Pública (SSP)","ufEmissor":"UF_SP"}`),
	"BR_CIN": json.RawMessage(`{"nomeCivil":"Vitor Ra","nomeSocial":"Vitor Ra","filiacao":["Danilo Luis Renan Ramos",` +
		`"Giovanna Vitoria","Danilo Luis Renan Ramos","Giovanna Vitoria"],"dataExpiracao":"2034-03-02T00:00:00Z",` +
		`"dataEmissao":"2024-03-02T00:00:00Z","orgaoEmissor":"Detran/Rj","localEmissao":"Rio De Janeiro RJ",` +
		`"naturalidade":"Rio De Janeiro RJ","nacionalidade":"BRA"}`),
	"BR_PASSPORT": json.RawMessage(`{"numero":"AA011906","nome":"CHANCHÃO AMARELO","sobrenome":"PASSAREDO","paisEmissor":"BRA",` +
		`"nacionalidade":"BRASILEIRO(A)","naturalidade":"<nil>","dataNascimento":"1920-06-01T00:00:00Z",` +
		`"dataEmissao":"2000-01-01T00:00:00Z","dataExpiracao":"2010-01-01T00:00:00Z","autoridade":"SR/DPF/DF"}`),
}

// stableUUID derives a uuid-shaped id from a name (so scenario documents keep their ids).
func stableUUID(name string) string {
	sum := sha256.Sum256([]byte("unicosim:" + name))
	b := sum[:16]
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return formatUUID(b)
}

func (s *Simulator) addReusableLocked(cpf string, d reusableDoc) {
	if cpf == "" {
		return
	}
	for _, e := range s.reusable[cpf] {
		if e.ID == d.ID {
			return
		}
	}
	s.reusable[cpf] = append(s.reusable[cpf], d)
}

// reusableLocked lists the documents of a CPF: the scenario ones plus those the simulator produced.
func (s *Simulator) reusableLocked(cpf string) []reusableDoc {
	var out []reusableDoc
	if d := scenarioByCPF[cpf]; d != nil && d.client.documents {
		out = append(out,
			reusableDoc{Type: "BR_CNH", ID: stableUUID("cnh:" + cpf)},
			reusableDoc{Type: "BR_RG", ID: stableUUID("rg:" + cpf)})
	}
	return append(out, s.reusable[cpf]...)
}
