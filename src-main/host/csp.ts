/**
 * The renderer's Content-Security-Policy and the security headers every response of the browser
 * host carries. Pure: the Electron shell applies the same policy to its `margin://` responses.
 */

/** The renderer's Content-Security-Policy; `connect` lists extra connect-src sources (the host's WebSocket). */
export function contentSecurityPolicy(connect: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'", // Vue and ECharts set inline styles
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self' ${connect}`.trim(),
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Headers set on every response: the CSP, no MIME sniffing, no Referer (the first URL holds the
 * token), and no use of the response by another origin (CORP) or of this window by an opener (COOP).
 */
export function securityHeaders(connect: string): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(connect),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'X-Frame-Options': 'DENY',
  };
}
