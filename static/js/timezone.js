// Tells the server the browser's time zone (a cookie read by twofa_site.middleware.TimezoneMiddleware), so
// dates show in the user's local time from the next page on. A zone chosen on /accounts/time-zone/ (the
// tz_chosen cookie) is left alone; without JavaScript that page is the way to choose one (else UTC).
(function () {
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var chosen = document.cookie.indexOf("tz_chosen=1") !== -1;
    if (zone && !chosen && document.cookie.indexOf("tz=" + encodeURIComponent(zone)) === -1) {
      document.cookie = "tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; samesite=lax";
    }
  } catch (error) { /* an old browser: dates stay in the server's time zone */ }
})();
