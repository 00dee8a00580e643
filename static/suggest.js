/* Search-as-you-type on the home page: names from /api/v1/suggest fill the input's
   <datalist>. Without JavaScript the form still submits to /services. */
(function () {
  "use strict";
  document.querySelectorAll("input[data-suggest-url]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    var timer = null;
    var last = "";
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value.trim();
        if (q.length < 2 || q === last) { return; }
        last = q;
        fetch(input.dataset.suggestUrl + "?q=" + encodeURIComponent(q), {headers: {Accept: "application/json"}})
          .then(function (r) { return r.ok ? r.json() : {suggestions: []}; })
          .then(function (data) {
            if (input.value.trim() !== q) { return; }
            list.replaceChildren.apply(list, data.suggestions.map(function (s) {
              var option = document.createElement("option");
              option.value = s.name;
              return option;
            }));
          })
          .catch(function () { /* typing goes on; the form still works */ });
      }, 150);
    });
  });
})();
