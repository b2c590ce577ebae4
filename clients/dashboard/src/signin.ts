//! Signing in and out, the same on both pages: a pasted token, checked before it is kept in this
//! tab's session storage, and the switch between the sign-in form and the signed-in view.

import { byId } from "./dom.js";
import { isUsable, readToken } from "./token.js";

/** What a page brings to its sign-in. */
export interface SignInPage {
  /** Where this page keeps its token: a `sessionStorage` key of its own, never a URL. */
  storageKey: string;
  /** A role the token must carry, or the hub would refuse it (the admin page's `admin`). */
  requiredRole?: string;
  /** Begins the signed-in session with a usable token; the signed-in view is already shown. */
  start: (token: string) => void;
  /** Ends the session (sign-out); the token is forgotten and the form shown after it. */
  stop: () => void;
}

/** The token kept under `key` while it reads as a JWT and has not expired, else null. */
export function usableToken(key: string, nowMs = Date.now()): string | null {
  const token = sessionStorage.getItem(key);
  const claims = token ? readToken(token) : null;
  return token && claims && isUsable(claims, nowMs) ? token : null;
}

/**
 * Wires the page's sign-in form and sign-out button, then resumes with the kept token if it is
 * still usable, or shows the form (forgetting a kept token that is not).
 */
export function setUpSignIn({ storageKey, requiredRole, start, stop }: SignInPage): void {
  const ui = {
    loading: byId("loading"),
    signin: byId("signin"),
    form: byId<HTMLFormElement>("signin-form"),
    input: byId<HTMLInputElement>("token-input"),
    error: byId("signin-error"),
    session: byId("session"),
    main: byId("main"),
    signout: byId<HTMLButtonElement>("signout-button"),
  };

  const show = (view: "signin" | "session"): void => {
    ui.loading.hidden = true;
    ui.signin.hidden = view !== "signin";
    ui.session.hidden = view !== "session";
  };

  const refuse = (message: string | null): void => {
    ui.error.textContent = message ?? "";
    ui.error.hidden = message === null;
    ui.input.setAttribute("aria-invalid", String(message !== null));
  };

  const begin = (token: string): void => {
    show("session");
    start(token);
  };

  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    const token = ui.input.value.trim();
    const claims = token ? readToken(token) : null;
    if (!token) return refuse("Paste a token first.");
    if (!claims) return refuse("This does not look like a token (a JWT has three parts separated by dots).");
    if (!isUsable(claims, Date.now())) return refuse("This token has expired. Ask for a new one.");
    if (requiredRole !== undefined && !claims.roles.includes(requiredRole)) {
      return refuse(`This token has no ${requiredRole} role, so the hub would refuse it.`);
    }
    refuse(null);
    ui.input.value = "";
    sessionStorage.setItem(storageKey, token);
    begin(token);
    ui.main.focus();
  });

  ui.signout.addEventListener("click", () => {
    stop();
    sessionStorage.removeItem(storageKey);
    show("signin");
    ui.input.focus();
  });

  const saved = usableToken(storageKey);
  if (saved) begin(saved);
  else {
    sessionStorage.removeItem(storageKey);
    show("signin");
  }
}
