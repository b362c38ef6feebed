"""AST to the stage-DAG IR (Plan), its passes, graph views and lint rules."""
