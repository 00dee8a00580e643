// Small enhancement of the editing pages; everything works without it.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  if (button && button.classList.contains("btn-archive")) {
    if (!window.confirm("Lưu trữ thủ tục này? Người dân sẽ không còn thấy nó.")) {
      event.preventDefault();
    }
  }
});
