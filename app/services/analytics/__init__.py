"""«Аналитика»: the refusal figures of the ФЛК, the МЭК and the payer's МЭК, kept ready
(:mod:`refresh`), read for a user's scope (:mod:`figures`), the cases behind a figure
(:mod:`cases`), the page objects and tables (:mod:`pages`) and the charts as SVG (:mod:`svg`)."""
