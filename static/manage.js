// Small enhancement of the editing pages; everything works without it.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  if (button && button.classList.contains("btn-archive")) {
    if (!window.confirm("Lưu trữ thủ tục này? Người dân sẽ không còn thấy nó.")) {
      event.preventDefault();
    }
  }
});

// The error summary's links: move focus to the field (as GOV.UK's does), its label in view.
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest(".error-summary-list a");
  if (!link) { return; }
  var target = document.getElementById(link.getAttribute("href").slice(1));
  if (!target) { return; }
  event.preventDefault();
  var label = document.querySelector("label[for='" + target.id + "']");
  (label || target).scrollIntoView();
  target.focus({ preventScroll: true });
  history.replaceState(null, "", link.getAttribute("href"));
});
