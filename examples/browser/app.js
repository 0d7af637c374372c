// The page: starts the run in a module Web Worker (the page stays responsive) and prints what it reports.
const log = document.querySelector("#log");
document.querySelector("#go").addEventListener("click", () => {
  const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  worker.onmessage = ({ data }) => {
    log.textContent += data.done
      ? `sparsity ${(100 * data.sparsity).toFixed(2)}%, test accuracy ${data.testAccuracy.toFixed(4)}\n`
      : `epoch ${data.epoch}: sparsity ${(100 * data.sparsity).toFixed(2)}%, test accuracy ${data.testAccuracy.toFixed(4)}\n`;
    if (data.done) document.body.dataset.done = "1";
  };
  worker.postMessage({ epochs: 3 });
});
