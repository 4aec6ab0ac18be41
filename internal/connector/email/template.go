package email

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/gatehouse/gatehouse/internal/connector"
)

//go:embed templates/*.txt templates/*.html
var templateFiles embed.FS

// rendered is one message's subject and bodies.
type rendered struct {
	Subject string
	Text    string
	HTML    string
}

// templateData is what templates see.
type templateData struct {
	ProductName string
	Code        string
	To          string
	Minutes     int
}

// templates holds the parsed template sets, one per usage type.
type templates struct {
	text map[connector.Template]*texttemplate.Template
	html map[connector.Template]*htmltemplate.Template
}

var usages = []connector.Template{connector.TemplateSignIn, connector.TemplateRegister,
	connector.TemplateForgotPassword, connector.TemplateGeneric}

// parseTemplates parses the embedded templates; they are part of the
// binary, so an error is a programming error caught by the tests.
func parseTemplates() (*templates, error) {
	t := &templates{text: map[connector.Template]*texttemplate.Template{}, html: map[connector.Template]*htmltemplate.Template{}}
	for _, u := range usages {
		tt, err := texttemplate.ParseFS(templateFiles, "templates/layout.txt", "templates/"+string(u)+".txt")
		if err != nil {
			return nil, fmt.Errorf("email: parse %s text template: %w", u, err)
		}
		ht, err := htmltemplate.ParseFS(templateFiles, "templates/layout.html", "templates/"+string(u)+".html")
		if err != nil {
			return nil, fmt.Errorf("email: parse %s html template: %w", u, err)
		}
		t.text[u], t.html[u] = tt, ht
	}
	return t, nil
}

// render fills the templates of m's usage type; an unknown type uses
// Generic.
func (t *templates) render(productName string, m connector.Message) (*rendered, error) {
	u := m.Template
	if !u.Valid() {
		u = connector.TemplateGeneric
	}
	minutes := int((m.ExpiresIn + time.Minute - 1) / time.Minute)
	data := templateData{ProductName: productName, Code: m.Code, To: m.To, Minutes: max(minutes, 1)}
	var subject, text, html bytes.Buffer
	if err := t.text[u].ExecuteTemplate(&subject, "subject", data); err != nil {
		return nil, fmt.Errorf("email: render subject: %w", err)
	}
	if err := t.text[u].ExecuteTemplate(&text, "layout", data); err != nil {
		return nil, fmt.Errorf("email: render text: %w", err)
	}
	if err := t.html[u].ExecuteTemplate(&html, "layout", data); err != nil {
		return nil, fmt.Errorf("email: render html: %w", err)
	}
	return &rendered{
		Subject: strings.Join(strings.Fields(subject.String()), " "),
		Text:    strings.TrimLeft(text.String(), "\n"),
		HTML:    html.String(),
	}, nil
}
