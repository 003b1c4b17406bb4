// Draws the leaderboard's charts with vega-embed from the specs the server embedded (the chat's charts), and
// makes the category list switch at once. The page works without it: the table and a "Show" button remain.
(() => {
  const select = document.getElementById("category");
  if (select?.form) select.addEventListener("change", () => select.form.submit());

  const block = document.getElementById("chart-specs");
  if (!block || typeof vegaEmbed !== "function") return;
  const specs = JSON.parse(block.textContent || "{}");
  for (const element of document.querySelectorAll("[data-chart]")) {
    const spec = specs[element.dataset.chart];
    if (!spec) continue;
    // ast + the bundled interpreter: Vega evaluates expressions without eval (the CSP forbids eval). The
    // embed's and the tooltip's styles are in page.css: the CSP refuses the <style> elements they would add.
    vegaEmbed(element, spec, {
      renderer: "svg",
      actions: false,
      ast: true,
      defaultStyle: false,
      tooltip: { disableDefaultStyle: true },
    })
      .then(() => {
        element.dataset.rendered = "true";
      })
      .catch((error) => {
        element.dataset.rendered = "error";
        element.textContent = `The chart could not be drawn: ${error.message}`;
      });
  }
})();
