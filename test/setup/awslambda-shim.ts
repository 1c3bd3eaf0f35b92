// Installs the `awslambda` global before any streaming handler module is imported.
import '../../local/awslambda-shim';
