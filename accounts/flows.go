package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/accounts/identity"
	fdmail "github.com/frontdesk/frontdesk/mail"
	"github.com/frontdesk/frontdesk/platform/database"
	"github.com/frontdesk/frontdesk/platform/web"
)

// SignupInput is the sign-up form.
type SignupInput struct {
	Name, Email, Password string
	IP                    string
}

// Validate checks the sign-up form; password rules need the service.
func (s *Service) validateSignup(in *SignupInput) web.FieldErrors {
	fe := web.FieldErrors{}
	in.Name = strings.TrimSpace(in.Name)
	in.Email = NormalizeEmail(in.Email)
	if msg := nameProblem(in.Name); msg != "" {
		fe.Add("name", msg)
	}
	if in.Email == "" {
		fe.Add("email", "Enter your email address.")
	} else if !ValidEmail(in.Email) {
		fe.Add("email", "Enter a valid email address, like name@example.com.")
	}
	if msg := s.pw.check(in.Password, in.Email); msg != "" {
		fe.Add("password", msg)
	}
	return fe
}

// Signup registers a customer and emails a verification link. The answer
// is the same whether or not the address is known: a new address gets an
// unverified account, a passwordless contact's address gets a link that
// claims the contact (the password is applied only when the link is
// used), and a registered address gets a note that it already has an
// account.
func (s *Service) Signup(ctx context.Context, in SignupInput) error {
	if fe := s.validateSignup(&in); fe.Any() {
		return fe
	}
	if err := s.hit(ctx, map[string]Limit{
		"signup:ip:" + in.IP:      s.limits.SignupPerIP,
		"signup:acct:" + in.Email: s.limits.SignupPerAccount,
	}); err != nil {
		return err
	}
	hash, err := s.pw.hash(in.Password)
	if err != nil {
		return err
	}
	now := s.clock()
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		existing, err := userByEmail(ctx, tx, in.Email)
		switch {
		case errors.Is(err, ErrUserNotFound):
			u := &User{
				Email: in.Email, Name: in.Name, PasswordHash: &hash, Role: identity.RoleCustomer,
				NotifyTicketUpdates: true, CreatedAt: now, UpdatedAt: now,
			}
			if _, err := tx.NewInsert().Model(u).Exec(ctx); err != nil {
				return err
			}
			if err := Audit(ctx, tx, AuditEntry{ActorID: &u.ID, ActorEmail: u.Email, Action: AuditSignup, TargetType: "user", TargetID: &u.ID, IP: in.IP, CreatedAt: now}); err != nil {
				return err
			}
			return s.queueVerification(ctx, tx, u, nil, "")
		case err != nil:
			return err
		case existing.DeactivatedAt != nil:
			return nil // say nothing to deactivated accounts
		case existing.PasswordHash == nil:
			return s.queueVerification(ctx, tx, existing, &hash, in.Name)
		default:
			return s.queueMail(ctx, tx, fdmail.Message{
				To: existing.Email, ToName: existing.Name, Subject: "You already have an account",
				Template: "accounts_exists", Kind: "signup_existing",
				Data: map[string]any{"Name": existing.Name, "LoginLink": s.link("/login"), "ResetLink": s.link("/password/forgot")},
			})
		}
	})
	if database.IsUniqueViolation(err) {
		return nil // a concurrent sign-up with the same address won
	}
	if err != nil {
		return err
	}
	s.wakeOutbox()
	return nil
}

// Verify uses a verification link: it marks the address verified, applies
// a claimed contact's pending password and name, and joins the
// organisation whose domain matches the address.
func (s *Service) Verify(ctx context.Context, secret string) (*User, error) {
	defer identityChanged() // after the commit too: see sessioncache.go
	var u *User
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		t, active, err := s.redeemToken(ctx, tx, secret, PurposeVerify)
		if err != nil {
			return err
		}
		u = active
		now := s.clock()
		cols := []string{"updated_at"}
		if t.PasswordHash != nil {
			u.PasswordHash = t.PasswordHash
			cols = append(cols, "password_hash")
			if t.NewName != "" {
				u.Name = t.NewName
				cols = append(cols, "name")
			}
		}
		if u.VerifiedAt == nil {
			u.VerifiedAt = &now
			cols = append(cols, "verified_at")
		}
		if u.OrgID == nil && u.Role == identity.RoleCustomer {
			var orgID int64
			err := tx.NewSelect().Model((*OrganizationDomain)(nil)).Column("org_id").
				Where("domain = ?", EmailDomain(u.Email)).Limit(1).Scan(ctx, &orgID)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if orgID != 0 {
				u.OrgID = &orgID
				cols = append(cols, "org_id")
			}
		}
		u.UpdatedAt = now
		if _, err := tx.NewUpdate().Model(u).Column(cols...).WherePK().Exec(ctx); err != nil {
			return err
		}
		// Other pending verification links (possibly carrying someone
		// else's password for a claimed contact) die with this one.
		if _, err := tx.NewUpdate().Model((*UserToken)(nil)).Set("used_at = ?", now).
			Where("user_id = ?", u.ID).Where("purpose = ?", PurposeVerify).Where("used_at IS NULL").Exec(ctx); err != nil {
			return err
		}
		detail := ""
		if t.PasswordHash != nil {
			detail = "claimed contact"
		}
		return Audit(ctx, tx, AuditEntry{ActorID: &u.ID, ActorEmail: u.Email, Action: AuditVerify, TargetType: "user", TargetID: &u.ID, Detail: detail, CreatedAt: now})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

func (s *Service) userTx(ctx context.Context, tx bun.IDB, id int64) (*User, error) {
	u := new(User)
	err := tx.NewSelect().Model(u).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrUserNotFound
	}
	return u, err
}

// Login checks an email and password. It counts against the per-account
// and per-IP limits first; a wrong password adds to the account's failure
// count, which blocks further attempts for a growing time.
func (s *Service) Login(ctx context.Context, email, password, ip string) (*User, error) {
	email = NormalizeEmail(email)
	acctKey, ipKey := "login:acct:"+email, "login:ip:"+ip
	// The attempt is counted as a failure in the same transaction that
	// checks the block, so parallel guesses cannot all pass the check
	// before the first failure is recorded; a right password clears it.
	if err := s.hitReserving(ctx, map[string]Limit{acctKey: s.limits.LoginPerAccount, ipKey: s.limits.LoginPerIP}, acctKey); err != nil {
		return nil, err
	}
	u, err := userByEmail(ctx, s.db, email)
	if err != nil && !errors.Is(err, ErrUserNotFound) {
		return nil, err
	}
	ok := false
	if u != nil && u.PasswordHash != nil && u.DeactivatedAt == nil {
		ok, err = s.pw.verify(*u.PasswordHash, password)
		if err != nil {
			s.log.Error("stored password hash unreadable", "user_id", u.ID, "err", err)
		}
	} else {
		_, _ = s.pw.hash(password) // same work either way: no timing hint
	}
	now := s.clock()
	if !ok {
		e := AuditEntry{ActorEmail: email, Action: AuditLoginFailure, TargetType: "user", IP: ip, CreatedAt: now}
		if u != nil {
			e.TargetID = &u.ID
		}
		if err := Audit(ctx, s.db, e); err != nil {
			return nil, err
		}
		return nil, ErrInvalidCredentials
	}
	if err := s.succeed(ctx, acctKey); err != nil {
		return nil, err
	}
	if err := Audit(ctx, s.db, AuditEntry{ActorID: &u.ID, ActorEmail: u.Email, Action: AuditLoginSuccess, TargetType: "user", TargetID: &u.ID, IP: ip, CreatedAt: now}); err != nil {
		return nil, err
	}
	return u, nil
}

// LoginBlockedFor reports how long logins to the account stay blocked
// after repeated failures (0 when they are not).
func (s *Service) LoginBlockedFor(ctx context.Context, email string) (time.Duration, error) {
	return s.blockedFor(ctx, "login:acct:"+NormalizeEmail(email))
}

func (s *Service) validateEmailField(email string) (string, web.FieldErrors) {
	email = NormalizeEmail(email)
	fe := web.FieldErrors{}
	if email == "" {
		fe.Add("email", "Enter your email address.")
	} else if !ValidEmail(email) {
		fe.Add("email", "Enter a valid email address, like name@example.com.")
	}
	return email, fe
}

// RequestPasswordReset emails a single-use reset link valid for an hour
// when the address belongs to an active account, and does nothing
// otherwise; the caller answers the same in both cases.
func (s *Service) RequestPasswordReset(ctx context.Context, email, ip string) error {
	email, fe := s.validateEmailField(email)
	if fe.Any() {
		return fe
	}
	if err := s.hit(ctx, map[string]Limit{"reset:ip:" + ip: s.limits.ResetPerIP, "reset:acct:" + email: s.limits.ResetPerAccount}); err != nil {
		return err
	}
	return s.sendLink(ctx, email, PurposeReset, ResetTokenTTL, func(u *User, secret string) fdmail.Message {
		return fdmail.Message{
			To: u.Email, ToName: u.Name, Subject: "Reset your password",
			Template: "accounts_reset", Kind: "password_reset",
			Data: map[string]any{"Name": u.Name, "Link": s.link("/password/reset?token=" + secret), "Minutes": int(ResetTokenTTL.Minutes())},
		}
	})
}

// RequestMagicLink emails a single-use login link when magic links are
// enabled and the address belongs to an active account.
func (s *Service) RequestMagicLink(ctx context.Context, email, ip string) error {
	email, fe := s.validateEmailField(email)
	if fe.Any() {
		return fe
	}
	if err := s.hit(ctx, map[string]Limit{"magic:ip:" + ip: s.limits.MagicPerIP, "magic:acct:" + email: s.limits.MagicPerAccount}); err != nil {
		return err
	}
	if !s.MagicLinkEnabled(ctx) {
		return nil
	}
	return s.sendLink(ctx, email, PurposeMagic, MagicTokenTTL, func(u *User, secret string) fdmail.Message {
		return fdmail.Message{
			To: u.Email, ToName: u.Name, Subject: "Your login link",
			Template: "accounts_magic", Kind: "magic_link",
			Data: map[string]any{"Name": u.Name, "Link": s.link("/login/magic?token=" + secret), "Minutes": int(MagicTokenTTL.Minutes())},
		}
	})
}

// sendLink creates a token of purpose for the active user at email and
// queues the message msg builds, in one transaction.
func (s *Service) sendLink(ctx context.Context, email, purpose string, ttl time.Duration, msg func(u *User, secret string) fdmail.Message) error {
	queued := false
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		u, err := userByEmail(ctx, tx, email)
		if errors.Is(err, ErrUserNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if u.DeactivatedAt != nil {
			return nil
		}
		secret, err := s.createToken(ctx, tx, &UserToken{UserID: u.ID, Purpose: purpose}, ttl)
		if err != nil {
			return err
		}
		queued = true
		return s.queueMail(ctx, tx, msg(u, secret))
	})
	if err == nil && queued {
		s.wakeOutbox()
	}
	return err
}

// linkOwner returns the active user a usable link of purpose belongs to,
// without using the link.
func (s *Service) linkOwner(ctx context.Context, secret, purpose string) (*User, error) {
	t, err := s.lookupToken(ctx, s.db, secret, purpose)
	if err != nil {
		return nil, err
	}
	u, err := s.userTx(ctx, s.db, t.UserID)
	if err != nil || u.DeactivatedAt != nil {
		return nil, ErrTokenInvalid
	}
	return u, nil
}

// alreadyVerified reports whether secret is a verification link (used or
// expired) of a user whose address is verified by now, so re-opening it
// can say so instead of "link not valid".
func (s *Service) alreadyVerified(ctx context.Context, secret string) bool {
	if secret == "" || len(secret) > 200 {
		return false
	}
	n, err := s.db.NewSelect().Model((*UserToken)(nil)).
		Join("JOIN users AS u ON u.id = user_token.user_id").
		Where("user_token.token_hash = ?", hashSecret(secret)).
		Where("user_token.purpose = ?", PurposeVerify).
		Where("u.verified_at IS NOT NULL").Count(ctx)
	return err == nil && n > 0
}

// CheckToken reports whether secret is a usable link of purpose without
// using it (the reset page shows its form only for a valid link).
func (s *Service) CheckToken(ctx context.Context, secret, purpose string) error {
	_, err := s.lookupToken(ctx, s.db, secret, purpose)
	return err
}

// ResetPassword uses a reset link: it sets the new password, marks the
// address verified (the link proved it), ends every session of the user
// and lifts any login block.
func (s *Service) ResetPassword(ctx context.Context, secret, password, ip string) (*User, error) {
	defer identityChanged() // after the commit too: see sessioncache.go
	t, err := s.lookupToken(ctx, s.db, secret, PurposeReset)
	if err != nil {
		return nil, err
	}
	u, err := s.userTx(ctx, s.db, t.UserID)
	if err != nil {
		return nil, err
	}
	if msg := s.pw.check(password, u.Email); msg != "" {
		return nil, web.FieldErrors{"password": msg}
	}
	hash, err := s.pw.hash(password)
	if err != nil {
		return nil, err
	}
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		t, err := s.lookupToken(ctx, tx, secret, PurposeReset)
		if err != nil {
			return err
		}
		if err := s.useToken(ctx, tx, t); err != nil {
			return err
		}
		now := s.clock()
		u.PasswordHash, u.UpdatedAt = &hash, now
		cols := []string{"password_hash", "updated_at"}
		if u.VerifiedAt == nil {
			u.VerifiedAt = &now
			cols = append(cols, "verified_at")
		}
		if _, err := tx.NewUpdate().Model(u).Column(cols...).WherePK().Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model((*UserToken)(nil)).Set("used_at = ?", now).
			Where("user_id = ?", u.ID).Where("purpose IN (?)", bun.In([]string{PurposeReset, PurposeMagic})).Where("used_at IS NULL").Exec(ctx); err != nil {
			return err
		}
		if _, err := s.EndOtherSessions(ctx, tx, u.ID, 0); err != nil {
			return err
		}
		return Audit(ctx, tx, AuditEntry{ActorID: &u.ID, ActorEmail: u.Email, Action: AuditPasswordReset, TargetType: "user", TargetID: &u.ID, IP: ip, CreatedAt: now})
	})
	if err != nil {
		return nil, err
	}
	// The reset proved ownership: the account's login block and its
	// count of recent attempts go.
	if err := s.lift(ctx, "login:acct:"+u.Email); err != nil {
		return nil, err
	}
	return u, nil
}

// MagicLogin uses a magic login link and returns the user to log in.
func (s *Service) MagicLogin(ctx context.Context, secret, ip string) (*User, error) {
	defer identityChanged() // after the commit too: see sessioncache.go
	if !s.MagicLinkEnabled(ctx) {
		return nil, ErrTokenInvalid
	}
	var u *User
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		_, active, err := s.redeemToken(ctx, tx, secret, PurposeMagic)
		if err != nil {
			return err
		}
		u = active
		now := s.clock()
		if u.VerifiedAt == nil {
			u.VerifiedAt = &now
			if _, err := tx.NewUpdate().Model(u).Column("verified_at").WherePK().Exec(ctx); err != nil {
				return err
			}
		}
		return Audit(ctx, tx, AuditEntry{ActorID: &u.ID, ActorEmail: u.Email, Action: AuditMagicLogin, TargetType: "user", TargetID: &u.ID, IP: ip, CreatedAt: now})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// ProfileInput is the profile form.
type ProfileInput struct {
	Name                string
	NotifyTicketUpdates bool
	NotifyProductNews   bool
}

// UpdateProfile saves the user's name and notification preferences.
func (s *Service) UpdateProfile(ctx context.Context, userID int64, in ProfileInput) error {
	defer identityChanged() // after the commit too: see sessioncache.go
	in.Name = strings.TrimSpace(in.Name)
	if msg := nameProblem(in.Name); msg != "" {
		return web.FieldErrors{"name": msg}
	}
	_, err := s.db.NewUpdate().Model((*User)(nil)).
		Set("name = ?", in.Name).
		Set("notify_ticket_updates = ?", in.NotifyTicketUpdates).
		Set("notify_product_news = ?", in.NotifyProductNews).
		Set("updated_at = ?", s.clock()).
		Where("id = ?", userID).Exec(ctx)
	return err
}

// checkCurrentPassword verifies the user's current password for a
// sensitive change; users without one (claimed by magic link) pass.
func (s *Service) checkCurrentPassword(u *User, current string) error {
	if u.PasswordHash == nil {
		return nil
	}
	ok, err := s.pw.verify(*u.PasswordHash, current)
	if err != nil {
		return err
	}
	if !ok {
		return ErrWrongPassword
	}
	return nil
}

// RequestEmailChange emails a confirmation link to newEmail; the address
// changes only when that link is used. The rate limit comes first and the
// answer is the same whether or not another account uses newEmail (its
// owner gets a note instead of a link, as at sign-up), so the form cannot
// be used to find out who has an account.
func (s *Service) RequestEmailChange(ctx context.Context, userID int64, newEmail, currentPassword string) error {
	newEmail, fe := s.validateEmailField(newEmail)
	if fe.Any() {
		return fe
	}
	// Each request mails an address the user typed: keep that from
	// becoming a way to spam strangers or to probe for accounts.
	if err := s.hit(ctx, map[string]Limit{fmt.Sprintf("email_change:user:%d", userID): s.limits.ResetPerAccount}); err != nil {
		return err
	}
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if newEmail == u.Email {
		return web.FieldErrors{"email": "That is already your address."}
	}
	if err := s.checkCurrentPassword(u, currentPassword); errors.Is(err, ErrWrongPassword) {
		return web.FieldErrors{"current_password": "Your current password is not right."}
	} else if err != nil {
		return err
	}
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		other, err := userByEmail(ctx, tx, newEmail)
		switch {
		case err == nil:
			if other.DeactivatedAt != nil {
				return nil
			}
			return s.queueMail(ctx, tx, fdmail.Message{
				To: other.Email, ToName: other.Name, Subject: "Someone tried to use your email address",
				Template: "accounts_email_taken", Kind: "email_change_taken",
				Data: map[string]any{"Name": other.Name, "LoginLink": s.link("/login"), "ResetLink": s.link("/password/forgot")},
			})
		case !errors.Is(err, ErrUserNotFound):
			return err
		}
		secret, err := s.createToken(ctx, tx, &UserToken{UserID: u.ID, Purpose: PurposeEmailChange, NewEmail: newEmail}, EmailChangeTokenTTL)
		if err != nil {
			return err
		}
		return s.queueMail(ctx, tx, fdmail.Message{
			To: newEmail, ToName: u.Name, Subject: "Confirm your new email address",
			Template: "accounts_email_change", Kind: "email_change",
			Data: map[string]any{"Name": u.Name, "OldEmail": u.Email, "NewEmail": newEmail, "Link": s.link("/account/email/confirm?token=" + secret), "Hours": int(EmailChangeTokenTTL.Hours())},
		})
	})
	if err == nil {
		s.wakeOutbox()
	}
	return err
}

// ConfirmEmailChange uses an email-change link and switches the address.
func (s *Service) ConfirmEmailChange(ctx context.Context, secret, ip string) (*User, error) {
	defer identityChanged() // after the commit too: see sessioncache.go
	var u *User
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		t, active, err := s.redeemToken(ctx, tx, secret, PurposeEmailChange)
		if err != nil {
			return err
		}
		u = active
		old, now := u.Email, s.clock()
		u.Email, u.VerifiedAt, u.UpdatedAt = t.NewEmail, &now, now
		if _, err := tx.NewUpdate().Model(u).Column("email", "verified_at", "updated_at").WherePK().Exec(ctx); err != nil {
			if database.IsUniqueViolation(err) {
				return ErrEmailTaken
			}
			return err
		}
		if err := Audit(ctx, tx, AuditEntry{ActorID: &u.ID, ActorEmail: u.Email, Action: AuditEmailChange, TargetType: "user", TargetID: &u.ID, Detail: fmt.Sprintf("%s -> %s", old, u.Email), IP: ip, CreatedAt: now}); err != nil {
			return err
		}
		// The old address hears about it, so a hijacked session that
		// changed the address does not go unnoticed.
		return s.queueMail(ctx, tx, fdmail.Message{
			To: old, ToName: u.Name, Subject: "Your email address was changed",
			Template: "accounts_email_changed", Kind: "email_changed",
			Data: map[string]any{"Name": u.Name, "OldEmail": old, "NewEmail": u.Email},
		})
	})
	if err != nil {
		return nil, err
	}
	s.wakeOutbox()
	return u, nil
}

// ChangePassword sets a new password after checking the current one and
// ends every other session of the user (keepSession stays).
func (s *Service) ChangePassword(ctx context.Context, userID, keepSession int64, current, newPassword, ip string) error {
	defer identityChanged() // after the commit too: see sessioncache.go
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	fe := web.FieldErrors{}
	if err := s.checkCurrentPassword(u, current); errors.Is(err, ErrWrongPassword) {
		fe.Add("current_password", "Your current password is not right.")
	} else if err != nil {
		return err
	}
	if msg := s.pw.check(newPassword, u.Email); msg != "" {
		fe.Add("new_password", msg)
	}
	if fe.Any() {
		return fe
	}
	hash, err := s.pw.hash(newPassword)
	if err != nil {
		return err
	}
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		now := s.clock()
		if _, err := tx.NewUpdate().Model((*User)(nil)).Set("password_hash = ?", hash).Set("updated_at = ?", now).
			Where("id = ?", u.ID).Exec(ctx); err != nil {
			return err
		}
		if _, err := s.EndOtherSessions(ctx, tx, u.ID, keepSession); err != nil {
			return err
		}
		return Audit(ctx, tx, AuditEntry{ActorID: &u.ID, ActorEmail: u.Email, Action: AuditPasswordChange, TargetType: "user", TargetID: &u.ID, IP: ip, CreatedAt: now})
	})
}

// nameProblem returns what is wrong with a person's name, "" when nothing:
// it must be there, fit in 200 characters and stay on one line (it goes
// into the To header of every email we send them).
func nameProblem(name string) string {
	switch {
	case name == "":
		return "Enter your name."
	case utf8.RuneCountInString(name) > 200:
		return "Use at most 200 characters."
	case strings.ContainsFunc(name, unicode.IsControl):
		return "Write your name on one line, without line breaks or tabs."
	}
	return ""
}
