package experience

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/interaction"
	"github.com/gatehouse/gatehouse/internal/ratelimit"
)

// SendLimiter counts code sends in fixed windows (ratelimit.Limiter). Hit
// reports how long to wait when a rule is exceeded.
type SendLimiter interface {
	Hit(ctx context.Context, key string, rules ...ratelimit.Rule) (time.Duration, error)
}

// Send limits (mail bombing, SMS cost): an address or number gets at most
// one code a minute for each purpose (a resend cooldown; registering and
// then resetting a password at once is fine) and ten an hour in all; one
// client address at most ten a minute and a hundred an hour across all
// identifiers.
var (
	purposeSendRules    = []ratelimit.Rule{{Limit: 1, Period: time.Minute}}
	identifierSendRules = []ratelimit.Rule{{Limit: 10, Period: time.Hour}}
	addressSendRules    = []ratelimit.Rule{{Limit: 10, Period: time.Minute}, {Limit: 100, Period: time.Hour}}
)

// maxVerificationCodeLen bounds the code field; real codes have six digits.
const maxVerificationCodeLen = 32

// mountCodes registers the verification-code and password-reset routes.
func (h *Handler) mountCodes(api func(string, http.HandlerFunc)) {
	api("POST /api/experience/verification/verification-code", h.handleSendCode)
	api("POST /api/experience/verification/verification-code/verify", h.handleVerifyCode)
	api("PUT /api/experience/profile/password", h.handleResetPassword)
}

// codeIdentifier checks a {type: email|phone, value} identifier.
func codeIdentifier(b *identifierBody) (interaction.Identifier, error) {
	switch {
	case b == nil:
		return interaction.Identifier{}, httpapi.InvalidInput("identifier is required.")
	case b.Type != "email" && b.Type != "phone":
		return interaction.Identifier{}, httpapi.InvalidInput(`identifier.type must be "email" or "phone".`)
	case b.Value == "" || utf8.RuneCountInString(b.Value) > maxIdentifierLen:
		return interaction.Identifier{}, httpapi.InvalidInput("identifier.value is empty or too long.")
	}
	return interaction.Identifier{Type: b.Type, Value: b.Value}, nil
}

// clientAddress is the request's peer address ("" when unknown).
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return ""
	}
	return host
}

// identifierKey names an identifier in limiter keys, case-folded so
// Alice@ and alice@ share a budget.
func identifierKey(prefix string, ident interaction.Identifier) string {
	return prefix + ":identifier:" + ident.Type + ":" + strings.ToLower(strings.TrimSpace(ident.Value))
}

// errMessageRateLimited is Logto's 429 for too many e-mails or texts.
func errMessageRateLimited(retryAfter time.Duration) *httpapi.Error {
	return &httpapi.Error{Status: http.StatusTooManyRequests, Code: "request.message_rate_limited",
		Message: "Too many messages sent to this recipient. Please try again later.",
		Data:    map[string]any{"retryAfterSeconds": seconds(retryAfter)}}
}

func seconds(d time.Duration) int { return int((d + time.Second - 1) / time.Second) }

// sendLimit is one limiter key and its rules.
type sendLimit struct {
	key   string
	rules []ratelimit.Rule
}

// checkSendLimit counts one send for the identifier and the client address
// and refuses it (429, Retry-After) when one is over its limits. It stops
// at the first refusal, so a refused resend does not use up the hourly
// allowance.
func (h *Handler) checkSendLimit(w http.ResponseWriter, r *http.Request, ident interaction.Identifier, purpose interaction.Event) error {
	if h.sendLimiter == nil {
		return nil
	}
	limits := []sendLimit{
		{identifierKey("code-send", ident) + "|" + string(purpose), purposeSendRules},
		{identifierKey("code-send", ident), identifierSendRules},
	}
	if addr := clientAddress(r); addr != "" {
		limits = append(limits, sendLimit{"code-send:ip:" + addr, addressSendRules})
	}
	for _, l := range limits {
		wait, err := h.sendLimiter.Hit(r.Context(), l.key, l.rules...)
		if err != nil {
			return err
		}
		if wait > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(seconds(wait)))
			h.log.WarnContext(r.Context(), "verification code sending rate-limited")
			return errMessageRateLimited(wait)
		}
	}
	return nil
}

type sendCodeBody struct {
	Identifier       *identifierBody `json:"identifier"`
	InteractionEvent string          `json:"interactionEvent"`
}

// handleSendCode is POST /api/experience/verification/verification-code:
// send a code to an e-mail address or a phone number, answer
// {verificationId}. The answer is the same whether or not an account uses
// the identifier.
func (h *Handler) handleSendCode(w http.ResponseWriter, r *http.Request) {
	var b sendCodeBody
	if err := httpapi.DecodeJSON(w, r, &b); err != nil {
		h.fail(w, r, err)
		return
	}
	ident, err := codeIdentifier(b.Identifier)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	purpose, err := eventBody{InteractionEvent: b.InteractionEvent}.event()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.checkSendLimit(w, r, ident, purpose); err != nil {
		h.fail(w, r, err)
		return
	}
	var vid string
	if _, err := h.step(r, func(ctx context.Context, f *interaction.Flow) (err error) {
		vid, err = h.engine.SendCode(ctx, f, ident, purpose)
		return err
	}); err != nil {
		h.fail(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, verificationResponse{VerificationID: vid})
}

type verifyCodeBody struct {
	Identifier     *identifierBody `json:"identifier"`
	VerificationID string          `json:"verificationId"`
	Code           string          `json:"code"`
}

// handleVerifyCode is POST /api/experience/verification/verification-code/
// verify: check the code, answer {verificationId}. Wrong codes count
// towards the per-identifier and per-address lockout as well as the
// code's own attempt limit.
func (h *Handler) handleVerifyCode(w http.ResponseWriter, r *http.Request) {
	var b verifyCodeBody
	if err := httpapi.DecodeJSON(w, r, &b); err != nil {
		h.fail(w, r, err)
		return
	}
	ident, err := codeIdentifier(b.Identifier)
	switch {
	case err != nil:
	case b.VerificationID == "" || len(b.VerificationID) > maxIDLen:
		err = httpapi.InvalidInput("verificationId is empty or too long.")
	case b.Code == "" || len(b.Code) > maxVerificationCodeLen:
		err = httpapi.InvalidInput("code is empty or too long.")
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	keys := []string{identifierKey("code", ident)}
	if addr := clientAddress(r); addr != "" {
		keys = append(keys, "code:ip:"+addr)
	}
	if err := h.checkLimit(w, r, keys); err != nil {
		h.fail(w, r, err)
		return
	}
	var vid string
	_, err = h.step(r, func(ctx context.Context, f *interaction.Flow) (err error) {
		vid, err = h.engine.VerifyCode(ctx, f, ident, b.VerificationID, b.Code)
		return err
	})
	switch {
	case errors.Is(err, interaction.ErrCodeMismatch):
		h.recordAttempt(r.Context(), keys, false)
	case err == nil:
		h.recordAttempt(r.Context(), keys, true)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, verificationResponse{VerificationID: vid})
}

type passwordBody struct {
	Password *string `json:"password"`
}

// handleResetPassword is PUT /api/experience/profile/password: stage the
// new password of a ForgotPassword interaction (written at submit). 204.
func (h *Handler) handleResetPassword(w http.ResponseWriter, r *http.Request) {
	var b passwordBody
	if err := httpapi.DecodeJSON(w, r, &b); err != nil {
		h.fail(w, r, err)
		return
	}
	if b.Password == nil || *b.Password == "" || utf8.RuneCountInString(*b.Password) > maxPasswordLen {
		h.fail(w, r, httpapi.InvalidInput("password is empty or too long."))
		return
	}
	if _, err := h.step(r, func(ctx context.Context, f *interaction.Flow) error {
		return h.engine.ResetPassword(ctx, f, *b.Password)
	}); err != nil {
		h.fail(w, r, err)
		return
	}
	httpapi.NoContent(w)
}
