"""The CMDB through the API: its records read by staff and edited by configuration managers, with the pages' forms."""
