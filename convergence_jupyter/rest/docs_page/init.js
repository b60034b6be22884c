// Renders openapi.json (next to this page) with the bundled Swagger UI; no network beyond
// this server. "Try it out" uses the Jupyter login cookie, so writes carry the XSRF header
// Jupyter requires (read from its _xsrf cookie); an API key can be set with "Authorize".
(function () {
  function xsrf() {
    var m = document.cookie.match("\\b_xsrf=([^;]*)\\b");
    return m ? decodeURIComponent(m[1]) : undefined;
  }
  window.ui = SwaggerUIBundle({
    url: "openapi.json",
    dom_id: "#ui",
    deepLinking: true,
    requestInterceptor: function (req) {
      var token = xsrf();
      if (token && !req.headers["X-XSRFToken"]) req.headers["X-XSRFToken"] = token;
      return req;
    },
  });
})();
