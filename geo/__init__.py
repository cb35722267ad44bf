"""Pure, vectorised geometry and analysis: measurement, networks, accessibility, criteria. No I/O."""
