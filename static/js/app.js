/* Every page: a submit button with data-confirm asks first (no inline handlers: the CSP forbids them). */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var question = button && button.dataset ? button.dataset.confirm : null;
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();
