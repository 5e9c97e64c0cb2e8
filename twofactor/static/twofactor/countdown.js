// Ticks the "ask for a new code in N seconds" text once a second; the page works without it.
(function () {
  var text = document.querySelector("[data-countdown]");
  if (!text) return;
  var button = document.querySelector("[data-countdown-button]");
  // Counted from the clock, not from the ticks: a background tab's timers are slowed down, the clock is not.
  var end = Date.now() + parseInt(text.getAttribute("data-countdown"), 10) * 1000;
  if (button) button.disabled = true;
  var timer = setInterval(function () {
    var left = Math.ceil((end - Date.now()) / 1000);
    if (left <= 0) {
      clearInterval(timer);
      text.textContent = text.getAttribute("data-done");
      if (button) button.disabled = false;
      return;
    }
    var template = left === 1 ? text.getAttribute("data-one") : text.getAttribute("data-other").replace("987654", left);
    text.textContent = template;
  }, 1000);
})();
