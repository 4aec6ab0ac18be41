// Localised strings and language choice. The language is the first of
// ui_locales (forwarded by the OP), the browser's languages, then the
// sign-in experience's fallback language, that we have strings for.

const strings = {
  en: {
    'signIn.title': 'Sign in',
    'signIn.subtitle': 'Sign in to continue to your application.',
    'signIn.noAccount': "Don't have an account?",
    'signIn.createAccount': 'Create account',
    'signIn.submit': 'Sign in',
    'signIn.busy': 'Signing in…',
    'register.title': 'Create account',
    'register.subtitle': 'Create an account to continue.',
    'register.haveAccount': 'Already have an account?',
    'register.signIn': 'Sign in',
    'register.submit': 'Create account',
    'register.busy': 'Creating account…',
    'field.username': 'Username',
    'field.email': 'Email',
    'field.phone': 'Phone number',
    'field.usernameOrEmail': 'Username or email',
    'field.password': 'Password',
    'field.confirmPassword': 'Confirm password',
    'hint.username': 'Letters, digits and underscores. Cannot start with a digit.',
    'hint.password': 'At least {min} characters.',
    'password.show': 'Show',
    'password.hide': 'Hide',
    'password.showLabel': 'Show password',
    'password.hideLabel': 'Hide password',
    'validation.identifierRequired': 'Enter your {field}.',
    'validation.passwordRequired': 'Enter your password.',
    'validation.usernameRequired': 'Enter a username.',
    'validation.usernameFormat': 'Use only letters, digits and underscores, and do not start with a digit.',
    'validation.passwordTooShort': 'Password must be at least {min} characters.',
    'validation.confirmMismatch': 'Passwords do not match.',
    'error.session.invalid_credentials': 'Incorrect account or password.',
    'error.session.not_found': 'Your sign-in session was not found. Go back to the application and try again.',
    'error.session.verification_blocked_too_many_attempts': 'Too many failed attempts. Please try again later.',
    'error.user.suspended': 'This account is suspended.',
    'error.user.sign_in_method_not_enabled': 'This sign-in method is not enabled.',
    'error.user.username_already_in_use': 'This username is already taken.',
    'error.user.email_already_in_use': 'This email is already associated with an account.',
    'error.user.missing_profile': 'Your account needs more information before you can sign in. Please contact your administrator.',
    'error.auth.forbidden': 'This action is not allowed.',
    'error.password.rejected': 'Choose a stronger password:',
    'error.network': 'Cannot reach the server. Check your connection and try again.',
    'error.unknown': 'Something went wrong. Please try again.',
    'issue.password_rejected.too_short': 'Use at least {min} characters.',
    'issue.password_rejected.too_long': 'Use at most {max} characters.',
    'issue.password_rejected.character_types': 'Use at least {min} of: lowercase letters, uppercase letters, digits and symbols.',
    'issue.password_rejected.unsupported_characters': 'Use only letters, digits and common symbols.',
    'issue.password_rejected.pwned': 'This password is too common.',
    'issue.password_rejected.restricted.repetition': 'Avoid repeated characters such as "aaaa".',
    'issue.password_rejected.restricted.sequence': 'Avoid sequences such as "1234" or "abcd".',
    'issue.password_rejected.restricted.user_info': 'Do not include your username, name or email.',
    'issue.password_rejected.restricted.words': 'Avoid words that are easy to guess.',
    'unknownSession.title': 'Session not found',
    'unknownSession.message': 'Your sign-in session has expired or was started in another browser. Go back to the application and sign in again.',
    'unknownSession.back': 'Go back',
    'forgot.title': 'Reset password',
    'forgot.message': 'Password reset is not available yet. Please contact your administrator.',
    'forgot.backToSignIn': 'Back to sign in',
    'error.title': 'Something went wrong',
    'error.message': 'An unexpected error occurred. Go back to the application and try again.',
    'notFound.title': 'Page not found',
    'notFound.message': 'The page you are looking for does not exist.',
    'legal.terms': 'Terms of use',
    'legal.privacy': 'Privacy policy',
  },
  ko: {
    'signIn.title': '로그인',
    'signIn.subtitle': '로그인하고 애플리케이션으로 계속하세요.',
    'signIn.noAccount': '계정이 없으신가요?',
    'signIn.createAccount': '계정 만들기',
    'signIn.submit': '로그인',
    'signIn.busy': '로그인하는 중…',
    'register.title': '계정 만들기',
    'register.subtitle': '계속하려면 계정을 만드세요.',
    'register.haveAccount': '이미 계정이 있으신가요?',
    'register.signIn': '로그인',
    'register.submit': '계정 만들기',
    'register.busy': '계정을 만드는 중…',
    'field.username': '사용자 이름',
    'field.email': '이메일',
    'field.phone': '전화번호',
    'field.usernameOrEmail': '사용자 이름 또는 이메일',
    'field.password': '비밀번호',
    'field.confirmPassword': '비밀번호 확인',
    'hint.username': '영문자, 숫자, 밑줄(_)만 사용할 수 있으며 숫자로 시작할 수 없습니다.',
    'hint.password': '{min}자 이상 입력하세요.',
    'password.show': '표시',
    'password.hide': '숨기기',
    'password.showLabel': '비밀번호 표시',
    'password.hideLabel': '비밀번호 숨기기',
    'validation.identifierRequired': '{field}을(를) 입력하세요.',
    'validation.passwordRequired': '비밀번호를 입력하세요.',
    'validation.usernameRequired': '사용자 이름을 입력하세요.',
    'validation.usernameFormat': '영문자, 숫자, 밑줄(_)만 사용하고 숫자로 시작하지 마세요.',
    'validation.passwordTooShort': '비밀번호는 {min}자 이상이어야 합니다.',
    'validation.confirmMismatch': '비밀번호가 일치하지 않습니다.',
    'error.session.invalid_credentials': '계정 또는 비밀번호가 올바르지 않습니다.',
    'error.session.not_found': '로그인 세션을 찾을 수 없습니다. 애플리케이션으로 돌아가 다시 시도하세요.',
    'error.session.verification_blocked_too_many_attempts': '실패한 시도가 너무 많습니다. 잠시 후 다시 시도하세요.',
    'error.user.suspended': '이 계정은 정지되었습니다.',
    'error.user.sign_in_method_not_enabled': '이 로그인 방법은 사용할 수 없습니다.',
    'error.user.username_already_in_use': '이미 사용 중인 사용자 이름입니다.',
    'error.user.email_already_in_use': '이미 다른 계정에 연결된 이메일입니다.',
    'error.user.missing_profile': '로그인하려면 계정에 추가 정보가 필요합니다. 관리자에게 문의하세요.',
    'error.auth.forbidden': '허용되지 않은 작업입니다.',
    'error.password.rejected': '더 안전한 비밀번호를 선택하세요:',
    'error.network': '서버에 연결할 수 없습니다. 연결 상태를 확인하고 다시 시도하세요.',
    'error.unknown': '문제가 발생했습니다. 다시 시도하세요.',
    'issue.password_rejected.too_short': '{min}자 이상 사용하세요.',
    'issue.password_rejected.too_long': '{max}자 이하로 사용하세요.',
    'issue.password_rejected.character_types': '영문 소문자, 영문 대문자, 숫자, 기호 중 {min}종류 이상을 사용하세요.',
    'issue.password_rejected.unsupported_characters': '영문자, 숫자, 일반 기호만 사용하세요.',
    'issue.password_rejected.pwned': '너무 흔한 비밀번호입니다.',
    'issue.password_rejected.restricted.repetition': '"aaaa"처럼 같은 문자를 반복하지 마세요.',
    'issue.password_rejected.restricted.sequence': '"1234"나 "abcd" 같은 연속된 문자를 피하세요.',
    'issue.password_rejected.restricted.user_info': '사용자 이름, 이름, 이메일을 포함하지 마세요.',
    'issue.password_rejected.restricted.words': '추측하기 쉬운 단어를 피하세요.',
    'unknownSession.title': '세션을 찾을 수 없음',
    'unknownSession.message': '로그인 세션이 만료되었거나 다른 브라우저에서 시작되었습니다. 애플리케이션으로 돌아가 다시 로그인하세요.',
    'unknownSession.back': '돌아가기',
    'forgot.title': '비밀번호 재설정',
    'forgot.message': '비밀번호 재설정은 아직 지원되지 않습니다. 관리자에게 문의하세요.',
    'forgot.backToSignIn': '로그인으로 돌아가기',
    'error.title': '문제가 발생했습니다',
    'error.message': '예기치 않은 오류가 발생했습니다. 애플리케이션으로 돌아가 다시 시도하세요.',
    'notFound.title': '페이지를 찾을 수 없음',
    'notFound.message': '찾으시는 페이지가 존재하지 않습니다.',
    'legal.terms': '이용 약관',
    'legal.privacy': '개인정보 처리방침',
  },
};

export const supported = Object.keys(strings);

let current = 'en';

// pick returns the first supported language among the candidates (BCP 47
// tags such as "ko-KR" match "ko").
export function pick(candidates) {
  for (const tag of candidates) {
    if (!tag) continue;
    const lower = tag.toLowerCase();
    if (strings[lower]) return lower;
    const base = lower.split('-')[0];
    if (strings[base]) return base;
  }
  return 'en';
}

// chooseLanguage applies the language order described at the top.
export function chooseLanguage(fallback) {
  const params = new URLSearchParams(window.location.search);
  const uiLocales = (params.get('ui_locales') || '').split(/\s+/).filter(Boolean);
  current = pick([...uiLocales, ...(navigator.languages || [navigator.language]), fallback]);
  document.documentElement.lang = current;
  return current;
}

// t returns the string for key with {name} placeholders filled in.
export function t(key, vars = {}) {
  const s = strings[current][key] ?? strings.en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, name) => (vars[name] ?? `{${name}}`).toString());
}

// has reports whether a string exists for key.
export function has(key) {
  return key in strings.en;
}

// translate fills every [data-i18n] element's text and every
// [data-i18n-attr="attr:key"] attribute.
export function translate(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n);
  }
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    const [attr, key] = el.dataset.i18nAttr.split(':');
    el.setAttribute(attr, t(key));
  }
  const title = document.querySelector('[data-i18n-title]');
  if (title) document.title = t(title.dataset.i18nTitle);
}
