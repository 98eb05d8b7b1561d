package accounts

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/accounts/policy"
	"github.com/frontdesk/frontdesk/platform/web"
)

// Mount registers the identity middleware and the account pages and API
// on r. Mount it before any other domain's routes: the middleware sets the
// current user they rely on.
//
// CSRF protection is mounted right behind the identity middleware: its
// token is bound to the session that middleware finds, and only a request
// a bearer API token authenticated skips it.
func (s *Service) Mount(r fiber.Router) {
	r.Use(s.Middleware(), web.CSRF(web.CSRFConfig{
		Secure: s.secure,
		Key:    s.serverKey,
		Session: func(c *fiber.Ctx) string {
			if id := identity.Current(c); id != nil && id.SessionID != 0 {
				return strconv.FormatInt(id.SessionID, 10)
			}
			return ""
		},
		TokenAuthenticated: func(c *fiber.Ctx) bool {
			id := identity.Current(c)
			return id != nil && id.TokenID != 0
		},
	}))

	r.Get("/signup", s.showSignup)
	r.Post("/signup", s.signup)
	r.Get("/verify", s.verify)
	r.Post("/verify", s.verifyChosen)
	r.Get("/login", s.showLogin)
	r.Post("/login", s.login)
	r.Post("/logout", s.logout)
	r.Get("/password/forgot", s.showForgot)
	r.Post("/password/forgot", s.forgot)
	r.Get("/password/reset", s.showReset)
	r.Post("/password/reset", s.reset)
	r.Get("/login/magic", s.showMagic)
	r.Post("/login/magic", s.requestMagic)
	r.Post("/login/magic/confirm", s.magicLogin)
	r.Get("/account/email/confirm", s.confirmEmail)

	acc := r.Group("/account", policy.Require(policy.UseAccount))
	acc.Get("/", s.showAccount)
	acc.Post("/profile", s.updateProfile)
	acc.Post("/email", s.changeEmail)
	acc.Post("/password", s.changePassword)
	acc.Post("/verify/resend", s.resendVerification)
	acc.Get("/sessions", s.showSessions)
	acc.Post("/sessions/end-others", s.endOtherSessions)
	acc.Post("/sessions/:id/end", s.endSession)
	acc.Get("/tokens", s.showTokens)
	acc.Post("/tokens", s.createAPIToken)
	acc.Post("/tokens/:id/revoke", s.revokeToken)

	r.Get("/api/v1/me", policy.Require(policy.UseAccount), s.apiMe)
}

// formData is what every form template gets: the submitted values (never
// passwords), field errors, and a message for the whole form.
func formData(title string, form fiber.Map, fe web.FieldErrors, formError string) fiber.Map {
	if fe == nil {
		fe = web.FieldErrors{}
	}
	if form == nil {
		form = fiber.Map{}
	}
	return fiber.Map{"Title": title, "Form": form, "Errors": fe, "FormError": formError}
}

// formFailed re-renders a form after err: 422 with field messages for bad
// input, 429 with Retry-After for a rate limit, and returns other errors.
func formFailed(c *fiber.Ctx, err error, page, fragment string, data fiber.Map) error {
	var fe web.FieldErrors
	var rl *RateLimitError
	switch {
	case errors.As(err, &fe):
		data["Errors"] = fe
		return web.RenderStatus(c, fiber.StatusUnprocessableEntity, page, fragment, data)
	case errors.As(err, &rl):
		secs := int(rl.RetryAfter / time.Second)
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(secs))
		data["FormError"] = "Too many attempts. Please wait " + waitText(rl.RetryAfter) + " and try again."
		data["RetryAfter"] = secs
		return web.RenderStatus(c, fiber.StatusTooManyRequests, page, fragment, data)
	}
	return err
}

// waitText says a wait the way people do: "5 seconds", "3 minutes".
func waitText(d time.Duration) string {
	if d < time.Minute {
		n := int((d + time.Second - 1) / time.Second)
		if n == 1 {
			return "1 second"
		}
		return fmt.Sprintf("%d seconds", n)
	}
	n := int((d + time.Minute - 1) / time.Minute)
	if n == 1 {
		return "1 minute"
	}
	return fmt.Sprintf("%d minutes", n)
}

// ip returns a copy of the client address (Fiber reuses request memory).
func ip(c *fiber.Ctx) string { return c.IP() }

func (s *Service) renderSent(c *fiber.Ctx, title, message string) error {
	return web.Render(c, "accounts/sent", "accounts/_sent", fiber.Map{"Title": title, "Message": message})
}

func (s *Service) showSignup(c *fiber.Ctx) error {
	if identity.Current(c) != nil {
		return web.Redirect(c, "/account")
	}
	return web.Render(c, "accounts/signup", "accounts/_signup_form", formData("Sign up", nil, nil, ""))
}

func (s *Service) signup(c *fiber.Ctx) error {
	in := SignupInput{Name: c.FormValue("name"), Email: c.FormValue("email"), Password: c.FormValue("password"), IP: ip(c)}
	data := formData("Sign up", fiber.Map{"Name": in.Name, "Email": in.Email}, nil, "")
	if err := s.Signup(c.UserContext(), in); err != nil {
		return formFailed(c, err, "accounts/signup", "accounts/_signup_form", data)
	}
	return s.renderSent(c, "Check your email",
		"We sent a link to "+NormalizeEmail(in.Email)+". Open it to confirm your address. You can already log in with your email address and password; a few things wait until the address is confirmed.")
}

func (s *Service) verify(c *fiber.Ctx) error {
	token := c.Query("token")
	// Someone else is signed in here (an admin opening a customer's link
	// from the outbox, say): say so and let them choose, instead of
	// silently replacing their session.
	if cur := identity.Current(c); cur != nil {
		owner, err := s.linkOwner(c.UserContext(), token, PurposeVerify)
		if err != nil && !errors.Is(err, ErrTokenInvalid) {
			return err
		}
		if owner != nil && owner.ID != cur.UserID {
			return s.linkChoice(c, cur, owner, "/verify", token,
				"This link confirms the email address of "+owner.Email+".",
				"Confirm it and stay signed in as "+cur.Email, "Log out and continue as "+owner.Email)
		}
	}
	return s.useVerifyLink(c, token, false)
}

// verifyChosen is the choice made on that page: confirm the address and
// stay (stay=1), or log out and continue as the link's owner.
func (s *Service) verifyChosen(c *fiber.Ctx) error {
	return s.useVerifyLink(c, c.FormValue("token"), c.FormValue("stay") != "")
}

func (s *Service) useVerifyLink(c *fiber.Ctx, token string, stay bool) error {
	u, err := s.Verify(c.UserContext(), token)
	if errors.Is(err, ErrTokenInvalid) {
		if s.alreadyVerified(c.UserContext(), token) {
			web.SetFlash(c, "success", "Your email address is already verified.")
			if identity.Current(c) != nil {
				return web.Redirect(c, "/account")
			}
			return web.Redirect(c, "/login")
		}
		return s.linkInvalid(c, "This confirmation link has expired or was already used. Log in and ask for a new one from your account page.")
	}
	if err != nil {
		return err
	}
	if cur := identity.Current(c); stay && cur != nil && cur.UserID != u.ID {
		web.SetFlash(c, "success", "The email address "+u.Email+" is confirmed. You are still signed in as "+cur.Email+".")
		return web.Redirect(c, "/")
	}
	if cur := identity.Current(c); cur == nil || cur.UserID != u.ID {
		if _, err := s.startSession(c, u, false); err != nil {
			return err
		}
	} else {
		cur.Verified = true
	}
	web.SetFlash(c, "success", "Thank you, your email address is confirmed.")
	return web.Redirect(c, "/account")
}

// linkChoice tells a signed-in visitor that the emailed link they opened
// belongs to someone else, and offers both ways on.
func (s *Service) linkChoice(c *fiber.Ctx, cur *identity.Identity, owner *User, action, token, purpose, stay, switchTo string) error {
	return web.Render(c, "accounts/link_choice", "", fiber.Map{
		"Title": "This link is for another account", "SignedInAs": cur.Email, "Owner": owner.Email,
		"Purpose": purpose, "Action": action, "Token": token, "StayLabel": stay, "SwitchLabel": switchTo,
	})
}

func (s *Service) linkInvalid(c *fiber.Ctx, msg string) error {
	return web.RenderStatus(c, fiber.StatusBadRequest, "accounts/link_invalid", "", fiber.Map{"Title": "Link not valid", "Message": msg})
}

func (s *Service) loginData(c *fiber.Ctx, email, next string, remember bool) fiber.Map {
	d := formData("Log in", fiber.Map{"Email": email, "Next": web.SafeNext(next, ""), "Remember": remember}, nil, "")
	d["MagicLink"] = s.MagicLinkEnabled(c.UserContext())
	return d
}

func (s *Service) showLogin(c *fiber.Ctx) error {
	next := c.Query("next")
	if identity.Current(c) != nil {
		return web.Redirect(c, web.SafeNext(next, "/"))
	}
	return web.Render(c, "accounts/login", "accounts/_login_form", s.loginData(c, "", next, false))
}

func (s *Service) login(c *fiber.Ctx) error {
	email, next, remember := c.FormValue("email"), c.FormValue("next"), c.FormValue("remember") != ""
	data := s.loginData(c, email, next, remember)
	fe := web.FieldErrors{}
	if strings.TrimSpace(email) == "" {
		fe.Add("email", "Enter your email address.")
	}
	if c.FormValue("password") == "" {
		fe.Add("password", "Enter your password.")
	}
	if fe.Any() {
		return formFailed(c, fe, "accounts/login", "accounts/_login_form", data)
	}
	u, err := s.Login(c.UserContext(), email, c.FormValue("password"), ip(c))
	if errors.Is(err, ErrInvalidCredentials) {
		data["FormError"] = "That email and password do not match an account. Check them and try again."
		return web.RenderStatus(c, fiber.StatusUnprocessableEntity, "accounts/login", "accounts/_login_form", data)
	}
	if err != nil {
		return formFailed(c, err, "accounts/login", "accounts/_login_form", data)
	}
	if _, err := s.startSession(c, u, remember); err != nil {
		return err
	}
	return web.Redirect(c, web.SafeNext(next, "/"))
}

func (s *Service) logout(c *fiber.Ctx) error {
	if err := s.Logout(c); err != nil {
		return err
	}
	web.SetFlash(c, "info", "You are logged out.")
	return web.Redirect(c, "/")
}

func (s *Service) showForgot(c *fiber.Ctx) error {
	return web.Render(c, "accounts/forgot", "accounts/_forgot_form", formData("Forgot your password?", nil, nil, ""))
}

func (s *Service) forgot(c *fiber.Ctx) error {
	email := c.FormValue("email")
	data := formData("Forgot your password?", fiber.Map{"Email": email}, nil, "")
	if err := s.RequestPasswordReset(c.UserContext(), email, ip(c)); err != nil {
		return formFailed(c, err, "accounts/forgot", "accounts/_forgot_form", data)
	}
	return s.renderSent(c, "Check your email",
		"If "+NormalizeEmail(email)+" has an account, we sent it a link to choose a new password. The link works for one hour.")
}

func (s *Service) showReset(c *fiber.Ctx) error {
	token := c.Query("token")
	if err := s.CheckToken(c.UserContext(), token, PurposeReset); errors.Is(err, ErrTokenInvalid) {
		return s.linkInvalid(c, "This password reset link has expired or was already used. Ask for a new one.")
	} else if err != nil {
		return err
	}
	data := formData("Choose a new password", fiber.Map{"Token": token}, nil, "")
	if err := s.otherAccountNotice(c, token, PurposeReset, data, "This link sets a new password for "); err != nil {
		return err
	}
	return web.Render(c, "accounts/reset", "accounts/_reset_form", data)
}

// otherAccountNotice adds "you are signed in as X; this link is for Y" to
// a link's page when the signed-in user is not the link's owner.
func (s *Service) otherAccountNotice(c *fiber.Ctx, token, purpose string, data fiber.Map, what string) error {
	cur := identity.Current(c)
	if cur == nil {
		return nil
	}
	owner, err := s.linkOwner(c.UserContext(), token, purpose)
	if err != nil && !errors.Is(err, ErrTokenInvalid) {
		return err
	}
	if owner != nil && owner.ID != cur.UserID {
		data["OtherAccount"] = fiber.Map{"SignedInAs": cur.Email, "Owner": owner.Email, "What": what + owner.Email + "."}
	}
	return nil
}

func (s *Service) reset(c *fiber.Ctx) error {
	token := c.FormValue("token")
	data := formData("Choose a new password", fiber.Map{"Token": token}, nil, "")
	u, err := s.ResetPassword(c.UserContext(), token, c.FormValue("password"), ip(c))
	if errors.Is(err, ErrTokenInvalid) {
		// Answered inside the form, so an htmx post shows it too.
		data["FormError"] = "This password reset link has expired or was already used."
		data["Expired"] = true
		return web.RenderStatus(c, fiber.StatusUnprocessableEntity, "accounts/reset", "accounts/_reset_form", data)
	}
	if err != nil {
		return formFailed(c, err, "accounts/reset", "accounts/_reset_form", data)
	}
	if cur := identity.Current(c); cur != nil && cur.UserID != u.ID {
		// Someone else's password was set from this browser: their
		// sessions ended, the signed-in user's did not.
		web.SetFlash(c, "success", "The password of "+u.Email+" is changed. You are still signed in as "+cur.Email+".")
		return web.Redirect(c, "/")
	}
	// Every session ended, this browser's too.
	s.clearSessionCookie(c)
	identity.Set(c, nil)
	web.SetFlash(c, "success", "Your password is changed. Log in with your new password.")
	return web.Redirect(c, "/login")
}

func (s *Service) showMagic(c *fiber.Ctx) error {
	if !s.MagicLinkEnabled(c.UserContext()) {
		return fiber.ErrNotFound
	}
	if token := c.Query("token"); token != "" {
		if err := s.CheckToken(c.UserContext(), token, PurposeMagic); errors.Is(err, ErrTokenInvalid) {
			return s.linkInvalid(c, "This login link has expired or was already used. Ask for a new one.")
		} else if err != nil {
			return err
		}
		// Using the link takes a click, so mail scanners that open links
		// do not burn it.
		data := fiber.Map{"Title": "Log in", "Token": token}
		if err := s.otherAccountNotice(c, token, PurposeMagic, data, "Continuing logs you out and logs you in as "); err != nil {
			return err
		}
		return web.Render(c, "accounts/magic_confirm", "", data)
	}
	return web.Render(c, "accounts/magic", "accounts/_magic_form", formData("Log in with an email link", nil, nil, ""))
}

func (s *Service) requestMagic(c *fiber.Ctx) error {
	if !s.MagicLinkEnabled(c.UserContext()) {
		return fiber.ErrNotFound
	}
	email := c.FormValue("email")
	data := formData("Log in with an email link", fiber.Map{"Email": email}, nil, "")
	if err := s.RequestMagicLink(c.UserContext(), email, ip(c)); err != nil {
		return formFailed(c, err, "accounts/magic", "accounts/_magic_form", data)
	}
	return s.renderSent(c, "Check your email",
		"If "+NormalizeEmail(email)+" has an account, we sent it a login link. The link works for 15 minutes.")
}

func (s *Service) magicLogin(c *fiber.Ctx) error {
	u, err := s.MagicLogin(c.UserContext(), c.FormValue("token"), ip(c))
	if errors.Is(err, ErrTokenInvalid) {
		return s.linkInvalid(c, "This login link has expired or was already used. Ask for a new one.")
	}
	if err != nil {
		return err
	}
	if _, err := s.startSession(c, u, false); err != nil {
		return err
	}
	return web.Redirect(c, "/")
}

func (s *Service) confirmEmail(c *fiber.Ctx) error {
	_, err := s.ConfirmEmailChange(c.UserContext(), c.Query("token"), ip(c))
	switch {
	case errors.Is(err, ErrTokenInvalid):
		return s.linkInvalid(c, "This confirmation link has expired or was already used. Ask for a new one from your account page.")
	case errors.Is(err, ErrEmailTaken):
		return s.linkInvalid(c, "Another account started using that address in the meantime, so we could not switch to it.")
	case err != nil:
		return err
	}
	web.SetFlash(c, "success", "Your email address is changed.")
	if identity.Current(c) != nil {
		return web.Redirect(c, "/account")
	}
	return web.Redirect(c, "/login")
}

// accountData loads what the account page shows.
func (s *Service) accountData(c *fiber.Ctx) (fiber.Map, *User, error) {
	id := identity.Current(c)
	u, err := s.UserByID(c.UserContext(), id.UserID)
	if err != nil {
		return nil, nil, err
	}
	data := fiber.Map{
		"Title":   "Your account",
		"Account": u,
		"Profile": formData("", fiber.Map{"Name": u.Name, "NotifyTicketUpdates": u.NotifyTicketUpdates, "NotifyProductNews": u.NotifyProductNews}, nil, ""),
		"Email":   formData("", fiber.Map{"Email": ""}, nil, ""),
		"Pass":    formData("", nil, nil, ""),
	}
	return data, u, nil
}

func (s *Service) showAccount(c *fiber.Ctx) error {
	data, _, err := s.accountData(c)
	if err != nil {
		return err
	}
	return web.Render(c, "accounts/account", "", data)
}

// accountFormFailed re-renders one form of the account page: the whole
// page for plain posts, the form's partial for htmx.
func (s *Service) accountFormFailed(c *fiber.Ctx, err error, key, fragment string, form fiber.Map) error {
	data, _, lerr := s.accountData(c)
	if lerr != nil {
		return lerr
	}
	sub := formData("", form, nil, "")
	status := fiber.StatusUnprocessableEntity
	var fe web.FieldErrors
	var rl *RateLimitError
	switch {
	case errors.As(err, &fe):
	case errors.As(err, &rl):
		status = fiber.StatusTooManyRequests
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(rl.RetryAfter/time.Second)))
		fe = web.FieldErrors{"email": "Too many requests. Please wait " + waitText(rl.RetryAfter) + " and try again."}
	default:
		return err
	}
	sub["Errors"] = fe
	data[key] = sub
	c.Status(status)
	if web.IsHTMX(c) {
		return web.Render(c, "accounts/account", fragment, web.PageData(c, sub))
	}
	return web.Render(c, "accounts/account", "", data)
}

func (s *Service) updateProfile(c *fiber.Ctx) error {
	id := identity.Current(c)
	in := ProfileInput{
		Name:                c.FormValue("name"),
		NotifyTicketUpdates: c.FormValue("notify_ticket_updates") != "",
		NotifyProductNews:   c.FormValue("notify_product_news") != "",
	}
	if err := s.UpdateProfile(c.UserContext(), id.UserID, in); err != nil {
		return s.accountFormFailed(c, err, "Profile", "accounts/_profile_form",
			fiber.Map{"Name": in.Name, "NotifyTicketUpdates": in.NotifyTicketUpdates, "NotifyProductNews": in.NotifyProductNews})
	}
	web.SetFlash(c, "success", "Your profile is saved.")
	return web.Redirect(c, "/account")
}

func (s *Service) changeEmail(c *fiber.Ctx) error {
	id := identity.Current(c)
	email := c.FormValue("email")
	if err := s.RequestEmailChange(c.UserContext(), id.UserID, email, c.FormValue("current_password")); err != nil {
		return s.accountFormFailed(c, err, "Email", "accounts/_email_form", fiber.Map{"Email": email})
	}
	web.SetFlash(c, "info", "We sent a link to "+NormalizeEmail(email)+". Your address changes when you open it.")
	return web.Redirect(c, "/account")
}

func (s *Service) changePassword(c *fiber.Ctx) error {
	id := identity.Current(c)
	err := s.ChangePassword(c.UserContext(), id.UserID, id.SessionID, c.FormValue("current_password"), c.FormValue("new_password"), ip(c))
	if err != nil {
		return s.accountFormFailed(c, err, "Pass", "accounts/_password_form", nil)
	}
	web.SetFlash(c, "success", "Your password is changed. Your other sessions were logged out.")
	return web.Redirect(c, "/account")
}

func (s *Service) resendVerification(c *fiber.Ctx) error {
	id := identity.Current(c)
	if err := s.hit(c.UserContext(), map[string]Limit{"verify:acct:" + id.Email: s.limits.SignupPerAccount}); err != nil {
		var rl *RateLimitError
		if errors.As(err, &rl) {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(rl.RetryAfter/time.Second)))
			web.SetFlash(c, "error", "We sent several links already. Please wait "+waitText(rl.RetryAfter)+" before asking again.")
			return web.Redirect(c, "/account")
		}
		return err
	}
	u, err := s.UserByID(c.UserContext(), id.UserID)
	if err != nil {
		return err
	}
	if err := s.SendVerification(c.UserContext(), u); err != nil {
		return err
	}
	web.SetFlash(c, "info", "We sent a new confirmation link to "+u.Email+".")
	return web.Redirect(c, "/account")
}

func (s *Service) showSessions(c *fiber.Ctx) error {
	id := identity.Current(c)
	list, err := s.Sessions(c.UserContext(), id.UserID)
	if err != nil {
		return err
	}
	return web.Render(c, "accounts/sessions", "", fiber.Map{"Title": "Your sessions", "Sessions": list, "Current": id.SessionID})
}

func (s *Service) endSession(c *fiber.Ctx) error {
	id := identity.Current(c)
	sid, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	if err := s.EndSession(c.UserContext(), id.UserID, sid); errors.Is(err, ErrUserNotFound) {
		return fiber.ErrNotFound
	} else if err != nil {
		return err
	}
	if sid == id.SessionID {
		s.clearSessionCookie(c)
		web.SetFlash(c, "info", "You are logged out.")
		return web.Redirect(c, "/login")
	}
	web.SetFlash(c, "success", "That session is logged out.")
	return web.Redirect(c, "/account/sessions")
}

func (s *Service) endOtherSessions(c *fiber.Ctx) error {
	id := identity.Current(c)
	n, err := s.EndOtherSessions(c.UserContext(), s.db, id.UserID, id.SessionID)
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", fmt.Sprintf("Logged out %d other session(s).", n))
	return web.Redirect(c, "/account/sessions")
}

func (s *Service) tokensData(c *fiber.Ctx) (fiber.Map, error) {
	id := identity.Current(c)
	list, err := s.APITokens(c.UserContext(), id.UserID)
	if err != nil {
		return nil, err
	}
	d := formData("API tokens", nil, nil, "")
	d["Tokens"] = list
	return d, nil
}

func (s *Service) showTokens(c *fiber.Ctx) error {
	data, err := s.tokensData(c)
	if err != nil {
		return err
	}
	return web.Render(c, "accounts/tokens", "", data)
}

func (s *Service) createAPIToken(c *fiber.Ctx) error {
	id := identity.Current(c)
	name := c.FormValue("name")
	secret, _, err := s.CreateAPIToken(c.UserContext(), id.UserID, name, RequestAudit(c, AuditEntry{}))
	data, lerr := s.tokensData(c)
	if lerr != nil {
		return lerr
	}
	if err != nil {
		data["Form"] = fiber.Map{"Name": name}
		return formFailed(c, err, "accounts/tokens", "", data)
	}
	// The secret is shown on this response only; it is never stored.
	c.Set(fiber.HeaderCacheControl, "no-store")
	data["NewToken"] = secret
	return web.RenderStatus(c, fiber.StatusCreated, "accounts/tokens", "", data)
}

func (s *Service) revokeToken(c *fiber.Ctx) error {
	id := identity.Current(c)
	tid, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	if err := s.RevokeAPIToken(c.UserContext(), id.UserID, tid, RequestAudit(c, AuditEntry{})); errors.Is(err, ErrUserNotFound) {
		return fiber.ErrNotFound
	} else if err != nil {
		return err
	}
	web.SetFlash(c, "success", "The token is revoked.")
	return web.Redirect(c, "/account/tokens")
}

// apiMe answers who the bearer token belongs to.
func (s *Service) apiMe(c *fiber.Ctx) error {
	u, err := s.UserByID(c.UserContext(), identity.Current(c).UserID)
	if err != nil {
		return err
	}
	var org any
	if u.Org != nil {
		org = u.Org.Name
	}
	return c.JSON(fiber.Map{"email": u.Email, "name": u.Name, "role": u.Role, "org": org})
}
