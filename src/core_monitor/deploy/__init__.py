"""Application deploys into middleware: the artifact store, the drivers (nginx, Tomcat,
WildFly) behind one interface (``driver.py``), and the DEPLOY executor."""
