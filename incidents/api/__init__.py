"""The REST API over the incidents, the CMDB and the knowledge base (``/api/v1/``): the same services as the pages."""
