// Starts Swagger UI on the API docs page (crm/api/docs.py). Settings come from the data
// attributes of #swagger-ui, so the page has no inline script (CSP script-src 'self').
(function () {
  "use strict";
  const root = document.getElementById("swagger-ui");
  window.ui = window.SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    oauth2RedirectUrl: new URL(root.dataset.oauth2RedirectUrl, window.location.href).href,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    presets: [window.SwaggerUIBundle.presets.apis],
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null, // never send the spec to validator.swagger.io
  });
})();
