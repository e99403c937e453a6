// Progressive enhancement only: every page works without this file.
// 1. Filter forms marked data-autosubmit submit when a choice changes (the button stays).
// 2. An error summary marked data-autofocus takes focus, so screen readers announce it.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.addEventListener("change", function (event) {
      if (event.target.matches("select, input[type=checkbox]")) form.requestSubmit();
    });
  });
  var summary = document.querySelector("[data-autofocus]");
  if (summary) summary.focus();
});
